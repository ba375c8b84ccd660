"""The reader of a pack's sources: the pack folder (pack.yaml, sections/*.md, images, annexes) →
the document model, validated, every problem with its file and line.

`files` is the one door for every file read; `yamldata` parses YAML with line numbers;
`markdown` turns a section body into model nodes; `loader` puts the pack together.
"""
