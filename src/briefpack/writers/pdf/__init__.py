"""Model → PDF: the print HTML laid out by WeasyPrint (`render`, the one door), footnotes kept
on the page of their call (`footnotes`) and laid out note by note (`footnote_area`), large
packs laid out by sections (`parallel`), annexes laid onto their pages (`annexes`), progress
while laying out (`layout_watch`).
"""
