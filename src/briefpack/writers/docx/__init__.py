"""Model → DOCX: the writer (`writer`) walks an edition onto the style's reference.docx, with
the Word XML from `briefpack.wordml`; `raster` makes the PNG that stands in for an SVG."""
