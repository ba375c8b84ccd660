"""Model → HTML: the section bodies (`body`), the whole document through the style's templates
(`document`), and the URLs by which the print document names in-memory files (`urls`)."""
