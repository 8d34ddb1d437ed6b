"""Vision: thin wrappers over recognition models that ship inside PyPI packages.

Plates for gate cameras (``plates.py``), faces for access readers only (``faces.py``),
and blurring of every face on ordinary cameras' snapshots (``blur.py``). Nothing is
downloaded at run time.
"""
