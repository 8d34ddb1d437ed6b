"""Event intake: batch parsing, validation and durable group-committed writes."""
