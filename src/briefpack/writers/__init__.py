"""Writers: each walks an `Edition` of the document model and never reads a file.

`html` (the document for print and for the browser), `pdf` (WeasyPrint over that HTML) and
`docx` (a Word document built on the style's reference.docx).
"""
