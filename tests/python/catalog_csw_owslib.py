"""OWSLib against our CSW (the client side of tests/catalog_csw.rs).

Usage: catalog_csw_owslib.py URL OUT_DIR

Runs data.gov.be's harvesting pattern: GetCapabilities, then GetRecords with
outputSchema=http://www.isotc211.org/2005/gmd, typeNames=gmd:MD_Metadata, ElementSetName full,
maxRecords=200, paging with startPosition until nextRecord says the end. Saves the raw first ISO
page (iso-page-1.xml), a csw:Record page (dc-page.xml), a GetRecordById (by-id.xml) in OUT_DIR;
prints JSON with every fileIdentifier seen (in order), the matched count, the page count, and
the results of a few constrained queries. Exits 3 when OWSLib is missing.
"""

import json
import os
import sys

try:
    from owslib.csw import CatalogueServiceWeb
    from owslib.fes import And, BBox, PropertyIsGreaterThanOrEqualTo, PropertyIsLike
except ImportError as e:
    print(f"MISSING-MODULE: {e}")
    sys.exit(3)

GMD = "http://www.isotc211.org/2005/gmd"


def main():
    url, out = sys.argv[1], sys.argv[2]
    csw = CatalogueServiceWeb(url, version="2.0.2", timeout=120)
    ops = [op.name for op in csw.operations]
    ids, pages, start, matched = [], 0, 0, None
    titles = {}
    while True:
        csw.getrecords2(
            outputschema=GMD,
            typenames="gmd:MD_Metadata",
            esn="full",
            startposition=start,
            maxrecords=200,
        )
        pages += 1
        if pages == 1:
            with open(os.path.join(out, "iso-page-1.xml"), "wb") as f:
                f.write(csw.response)
        res = csw.results
        matched = res["matches"]
        for ident, rec in csw.records.items():
            ids.append(ident)
            if len(titles) < 5 and rec.identification:
                titles[ident] = rec.identification[0].title
        nxt = res["nextrecord"]
        if res["returned"] == 0 or nxt == 0 or nxt > matched or nxt <= start:
            break
        start = nxt
        if pages > 1000:
            break

    # Dublin Core records with an OGC Filter constraint.
    like = PropertyIsLike("csw:AnyText", "%TRAN%")
    csw.getrecords2(constraints=[like], esn="full", typenames="csw:Record", maxrecords=500)
    with open(os.path.join(out, "dc-page.xml"), "wb") as f:
        f.write(csw.response)
    anytext = {"matches": csw.results["matches"], "ids": list(csw.records.keys())}

    both = And([PropertyIsLike("dc:title", "%Dataset 1%"), PropertyIsGreaterThanOrEqualTo("dct:modified", "2000-01-01")])
    csw.getrecords2(constraints=[both], esn="brief", maxrecords=500)
    title_like = {"matches": csw.results["matches"], "ids": list(csw.records.keys())}

    bbox = BBox([50.9, 4.6, 51.0, 4.7])  # latitude first (default CRS urn:...:4326), outside every record
    csw.getrecords2(constraints=[bbox], esn="brief", maxrecords=10)
    bbox_none = csw.results["matches"]

    csw.getrecords2(cql="dc:type = 'service'", esn="summary", maxrecords=500)
    cql_services = {"matches": csw.results["matches"], "ids": list(csw.records.keys())}

    first = ids[0] if ids else ""
    csw.getrecordbyid(id=[first], outputschema=GMD, esn="full")
    with open(os.path.join(out, "by-id.xml"), "wb") as f:
        f.write(csw.response)
    by_id = list(csw.records.keys())

    print(json.dumps({
        "operations": ops,
        "ids": ids,
        "matched": matched,
        "pages": pages,
        "titles": titles,
        "anytext": anytext,
        "title_like": title_like,
        "bbox_none": bbox_none,
        "cql_services": cql_services,
        "by_id": by_id,
    }))


if __name__ == "__main__":
    main()
