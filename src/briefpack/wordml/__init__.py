"""WordprocessingML as briefpack writes it (`write`) — and, beside it, as briefpack reads its
own DOCX back — at the level of elements and parts, knowing nothing of packs."""
