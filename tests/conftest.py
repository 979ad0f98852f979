import sys
from pathlib import Path

# The script is a single file at the top of the repository, not an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
