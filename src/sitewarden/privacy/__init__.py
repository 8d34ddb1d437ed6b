"""Privacy: key files now; sealing, blind indexes, audit and retention build on them."""
