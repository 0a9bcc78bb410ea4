"""The live loopback server, its demo accounts, and annotated wire transcripts."""
