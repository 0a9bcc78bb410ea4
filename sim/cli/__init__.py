"""The ``python -m sim`` command line: the dispatcher and the commands that own no other
module (compare, lesson, bench)."""
