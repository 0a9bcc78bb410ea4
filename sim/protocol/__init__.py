"""Sans-IO POP3 and IMAP engines: bytes in, events and bytes out. No I/O, clock or randomness here."""
