"""The document model and what is computed on it: the nodes a reader builds (`nodes`), anchors
and slugs (`naming`), and the choice of sections for a topic pack (`selection`).

`from briefpack import model as m` gives the node classes (`m.Section`, `m.Paragraph`, …).
"""

from .nodes import *  # noqa: F401,F403
from .nodes import Inline, Block, plain_text, Visitor  # noqa: F401  (names the star import may not list)
