"""The controlled vocabulary of coarse topics: arXiv subject classes.

Pages write them as bare codes ("LG"), as full codes ("cs.LG") or as names
("arXiv.org Machine Learning"); everything is normalised to the full arXiv code.
"""

from __future__ import annotations

import re

ARXIV_CATEGORIES: dict[str, str] = {
    "cs.AI": "Artificial Intelligence",
    "cs.AR": "Hardware Architecture",
    "cs.CC": "Computational Complexity",
    "cs.CE": "Computational Engineering, Finance, and Science",
    "cs.CG": "Computational Geometry",
    "cs.CL": "Computation and Language",
    "cs.CR": "Cryptography and Security",
    "cs.CV": "Computer Vision and Pattern Recognition",
    "cs.CY": "Computers and Society",
    "cs.DB": "Databases",
    "cs.DC": "Distributed, Parallel, and Cluster Computing",
    "cs.DS": "Data Structures and Algorithms",
    "cs.GR": "Graphics",
    "cs.GT": "Computer Science and Game Theory",
    "cs.HC": "Human-Computer Interaction",
    "cs.IR": "Information Retrieval",
    "cs.IT": "Information Theory",
    "cs.LG": "Machine Learning",
    "cs.MA": "Multiagent Systems",
    "cs.MM": "Multimedia",
    "cs.NA": "Numerical Analysis",
    "cs.NE": "Neural and Evolutionary Computing",
    "cs.NI": "Networking and Internet Architecture",
    "cs.PF": "Performance",
    "cs.PL": "Programming Languages",
    "cs.RO": "Robotics",
    "cs.SE": "Software Engineering",
    "cs.SI": "Social and Information Networks",
    "cs.SY": "Systems and Control",
    "eess.AS": "Audio and Speech Processing",
    "eess.IV": "Image and Video Processing",
    "eess.SP": "Signal Processing",
    "eess.SY": "Systems and Control",
    "math.DS": "Dynamical Systems",
    "math.NT": "Number Theory",
    "math.OC": "Optimization and Control",
    "math.PR": "Probability",
    "stat.ML": "Machine Learning (Statistics)",
    "hep-ph": "High Energy Physics - Phenomenology",
    "hep-th": "High Energy Physics - Theory",
    "physics.comp-ph": "Computational Physics",
    "physics.optics": "Optics",
    "cond-mat.soft": "Soft Condensed Matter",
    "q-bio.NC": "Neurons and Cognition",
    "q-bio.QM": "Quantitative Methods",
    "q-bio.GN": "Genomics",
    "q-bio.BM": "Biomolecules",
    "q-bio.PE": "Populations and Evolution",
    "econ.EM": "Econometrics",
    "econ.GN": "General Economics",
    "econ.TH": "Theoretical Economics",
    "stat.ME": "Methodology",
    "math.ST": "Statistics Theory",
    "math.AP": "Analysis of PDEs",
    "math.AG": "Algebraic Geometry",
    "math.CO": "Combinatorics",
    "math.RT": "Representation Theory",
    "math-ph": "Mathematical Physics",
    "quant-ph": "Quantum Physics",
    "cond-mat.mtrl-sci": "Materials Science",
    "cond-mat.stat-mech": "Statistical Mechanics",
    "physics.chem-ph": "Chemical Physics",
    "astro-ph": "Astrophysics",
    "gr-qc": "General Relativity and Quantum Cosmology",
}

# Bare two-letter codes as listing sites print them. SP and SY live in eess; NA in cs (math.NA
# is its alias).
_BARE = {code.split(".")[1]: code for code in ARXIV_CATEGORIES if code.startswith("cs.")}
_BARE.update({"SP": "eess.SP", "IV": "eess.IV", "AS": "eess.AS", "SY": "eess.SY"})
_BY_NAME = {name.lower(): code for code, name in ARXIV_CATEGORIES.items()}


# Every arXiv archive, for codes outside the table above ("astro-ph.GA", "hep-ex", "q-fin.ST").
_ARXIV_CODE = re.compile(
    r"(?:cs|math|stat|eess|econ|q-bio|q-fin|physics|astro-ph|cond-mat|gr-qc|hep-ex|hep-lat|"
    r"hep-ph|hep-th|math-ph|nlin|nucl-ex|nucl-th|quant-ph)(?:\.[A-Za-z][A-Za-z-]*)?"
)


def is_arxiv_code(code: str) -> bool:
    """Whether ``code`` is an arXiv subject code (any archive, with or without subject)."""
    return bool(_ARXIV_CODE.fullmatch(code))


def normalize_category(raw: str) -> str | None:
    """``"LG"`` -> ``"cs.LG"``; ``"arXiv.org Machine Learning"`` -> ``"cs.LG"``; unknown -> None."""
    s = raw.strip()
    if s in ARXIV_CATEGORIES:
        return s
    if s.upper() in _BARE and len(s) == 2:
        return _BARE[s.upper()]
    name = re.sub(r"^arxiv(\.org)?\s+", "", s, flags=re.IGNORECASE).lower()
    return _BY_NAME.get(name)


_ARCHIVE = {"math": "mathematics", "hep": "physics", "physics": "physics", "cond": "physics",
            "quant": "physics", "astro": "physics", "nucl": "physics", "gr": "physics",
            "nlin": "physics", "q": "biology", "econ": "economics"}  # fmt: skip
# Applied mathematics is shared with computing: optimisation or numerics alone do not make
# a different person, nor a different field to compare novelty within.
_APPLIED = frozenset({"math.OC", "math.NA", "math.PR", "math.ST", "math.IT"})


def field_of(code: str) -> str:
    """The broad field of an arXiv code: mathematics, physics, biology, economics or
    computing (computer science, statistics, EE, applied mathematics)."""
    if code in _APPLIED:
        return "computing"
    archive = code.split(".")[0]
    if archive == "q-fin":
        return "economics"
    return _ARCHIVE.get(archive.split("-")[0], "computing")
