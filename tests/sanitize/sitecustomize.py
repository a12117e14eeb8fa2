# For `make test-sanitize` only (on PYTHONPATH with build/sanitize/python): import the
# sanitized rnnscope module staged beside this file instead of the editable install, whose
# import hook would otherwise come first.
import sys

sys.meta_path[:] = [finder for finder in sys.meta_path if "editable" not in type(finder).__module__.lower()]
