//! Downloads for GIS analysts (issue 8): every UrbIS layer in the formats and CRSs analysts use,
//! whole-Region files prepared after each import and on-demand extracts.
