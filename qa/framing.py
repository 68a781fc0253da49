"""Words that only frame a question as one put to the sources: "What do the articles say about water?"
asks about water. Left in, they match nothing in the sources, or match what someone in them says."""

from __future__ import annotations

import re

_SOURCES = r"(?:sources?|articles?|documents?|texts?|corpus|papers?|authors?|writers?|analysts?)"
_THESE = r"(?:(?:the|these|those|this|your|our|any|its|their)\s+)?"
_TELLS = (r"(?:say|says|said|write|writes|wrote|report|reports|tell\s+(?:us|me)|mention|mentions|discuss|discusses|"
          r"argue|argues|conclude|concludes|note|notes|cover|covers|talk|talks|deal\s+with|deals\s+with)")
# what a text does to a subject, without "about": "Which articles discuss water disputes?"
_COVERS = (r"(?:mention|mentions|mentioned|discuss|discusses|discussed|cover|covers|covered|address|addresses|"
           r"addressed|deal\s+with|deals\s+with|dealt\s+with)")
_HOW_MUCH = r"(?:more|everything|anything|something|all|a\s+(?:bit|little)(?:\s+more)?)"  # "Tell me everything about"
_OPENING = re.compile(
    rf"^\W*(?:(?:(?:what|how)\s+(?:do|does|did|can|could|would)\s+{_THESE}{_SOURCES}\s+{_TELLS}"
    rf"|(?:which|what)\s+{_SOURCES}\s+(?:{_TELLS}|is|are|was|were)"
    rf"|(?:what\s+)?(?:can|could)\s+you\s+tell\s+(?:me|us)|tell\s+(?:me|us)(?:\s+{_HOW_MUCH})?"
    rf"|(?:what\s+)?do\s+you\s+know|i\s*(?:want|would\s+like|['’]d\s+like|need)\s+to\s+"
    rf"(?:know|learn|hear|read)(?:\s+{_HOW_MUCH})?"
    rf"|(?:is|are)\s+there\s+(?:anything|something)(?:\s+in\s+{_THESE}{_SOURCES})?"
    rf"|what\s+is\s+(?:known|said|written))\s+(?:about|on|regarding|concerning|of)\b"
    # "Tell me why Russia delisted the Taliban": the question it embeds
    rf"|(?:please\s+)?(?:tell|show)\s+(?:me|us)\s+(?=(?:why|how|what|when|where|who|whom|whose|which)\b)"
    # "Do the sources mention Turkmenistan?"
    rf"|(?:do|does|did)\s+{_THESE}{_SOURCES}\s+{_TELLS}(?:\s+anything)?(?:\s+(?:about|on|of)\b)?"
    rf"|(?:which|what)\s+(?:of\s+the\s+)?{_SOURCES}\s+{_COVERS}\b)\s*", re.I)
# "..., according to the articles?", "... in the sources?", "In the sources, ..."; not "in the text of the treaty"
_ASIDE = re.compile(rf",?\s*\baccording\s+to\s+{_THESE}{_SOURCES}\b\s*,?|\s*\bin\s+{_THESE}{_SOURCES}\s*(?=[?.!]*$)"
                    rf"|^\W*in\s+{_THESE}{_SOURCES}\s*,", re.I)


def unframed(question: str) -> str:
    """`question` without the words that frame it as one to the sources ("Which article talks about
    water?": "water?"); the question itself when they are not there or nothing else would be left."""
    rest = _ASIDE.sub(" ", _OPENING.sub("", question, count=1))
    if rest == question or not re.search(r"\w", rest):
        return question
    return re.sub(r"\s+(?=[?.!,])", "", " ".join(rest.split()))
