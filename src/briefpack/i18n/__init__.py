"""Everything that depends on the language a pack is printed in, in one small package.

- `languages`: language tags — which built-in table a tag uses (`zh-TW` → Traditional Chinese),
  the Babel locale behind it, the writing direction, the name of a language in another;
- `labels`: the fixed words briefpack prints itself ("Contents", "Page 3 of 5"…), built in for
  the six UN languages and both Chinese scripts, overridable per pack;
- `dates`: dates in the language's long form, from CLDR through Babel.

The HTML templates get these through their context (they print `labels.contents`, never an
English literal); the DOCX writer uses the same tables.
"""

from .dates import long_date
from .labels import LABEL_KEYS, labels_for
from .languages import direction, language_name, script_of

__all__ = ["LABEL_KEYS", "direction", "labels_for", "language_name", "long_date", "script_of"]
