"""Stand-in for `# kubectl-hostprocess:cp-put/1`: see cp.py (both directions live there)."""
from cp import main  # noqa: F401  (dispatch.py puts this directory on sys.path)
