"""rdflib checks of our DCAT-AP RDF (the client side of tests/catalog_dcat.rs).

  catalog_rdf.py roundtrip FILE...   parse every file (serialisations of one graph: .ttl, .rdf,
                                     .jsonld, .nt), require them isomorphic, then round-trip the
                                     first through rdflib Turtle -> JSON-LD -> RDF/XML and require
                                     the same graph; prints JSON {triples, records}.
  catalog_rdf.py page URL            follow the Hydra PartialCollectionView `next` links from URL
                                     as a harvester does; prints JSON {pages, total, records}.
Exit 1 on a failed check, 3 when rdflib is missing.
"""

import json
import os
import sys
import urllib.request

try:
    import rdflib
    from rdflib.compare import isomorphic
    from rdflib.namespace import DCAT, RDF
except ImportError as e:
    print(f"MISSING-MODULE: {e}")
    sys.exit(3)

HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
FORMATS = {".ttl": "turtle", ".rdf": "xml", ".jsonld": "json-ld", ".nt": "nt"}


def records(g):
    out = []
    for cat in g.subjects(RDF.type, DCAT.Catalog):
        for p in (DCAT.dataset, DCAT.service):
            out.extend(str(o) for o in g.objects(cat, p))
    return sorted(out)


def roundtrip(files):
    graphs = []
    for f in files:
        g = rdflib.Graph()
        g.parse(f, format=FORMATS[os.path.splitext(f)[1]])
        graphs.append((f, g))
    first_name, first = graphs[0]
    for name, g in graphs[1:]:
        if not isomorphic(first, g):
            only_a = len(set(first) - set(g))
            only_b = len(set(g) - set(first))
            print(f"FAIL: {first_name} and {name} differ ({only_a} / {only_b} triples)")
            sys.exit(1)
    jsonld = first.serialize(format="json-ld")
    g2 = rdflib.Graph().parse(data=jsonld, format="json-ld")
    rdfxml = g2.serialize(format="xml")
    g3 = rdflib.Graph().parse(data=rdfxml, format="xml")
    if not isomorphic(first, g3):
        print("FAIL: Turtle -> JSON-LD -> RDF/XML changed the graph")
        sys.exit(1)
    print(json.dumps({"triples": len(first), "records": records(first)}))


def page(url):
    seen_pages = set()
    items = []
    total = None
    pages = 0
    while url:
        if url in seen_pages:
            print(f"FAIL: page {url} came twice")
            sys.exit(1)
        seen_pages.add(url)
        req = urllib.request.Request(url, headers={"Accept": "text/turtle"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            body = resp.read()
        g = rdflib.Graph().parse(data=body, format="turtle")
        pages += 1
        items.extend(records(g))
        nxt = None
        for cat in g.subjects(RDF.type, DCAT.Catalog):
            t = g.value(cat, HYDRA.totalItems)
            if t is not None:
                total = int(t)
            view = g.value(cat, HYDRA.view)
            if view is not None:
                n = g.value(view, HYDRA.next)
                nxt = str(n) if n is not None else None
        url = nxt
        if pages > 10000:
            print("FAIL: more than 10000 pages")
            sys.exit(1)
    print(json.dumps({"pages": pages, "total": total, "records": items}))


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("roundtrip", "page"):
        print(__doc__)
        sys.exit(2)
    if sys.argv[1] == "roundtrip":
        roundtrip(sys.argv[2:])
    else:
        page(sys.argv[2])


if __name__ == "__main__":
    main()
