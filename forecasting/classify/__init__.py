"""HS codes, HS-vintage concordances, country codes and named commodity groups."""

from forecasting.classify.concordance import Concordance, read_concordance
from forecasting.classify.groups import (
    DEFAULT_GROUPS,
    CommodityGroup,
    assign,
    available_groups,
    builtin_groups,
    define,
    load_groups,
    resolve,
)
from forecasting.classify.hs import HS_VINTAGES, check_vintage, hs_chapter, normalize_hs

__all__ = [
    "Concordance",
    "DEFAULT_GROUPS",
    "HS_VINTAGES",
    "CommodityGroup",
    "assign",
    "available_groups",
    "builtin_groups",
    "check_vintage",
    "define",
    "hs_chapter",
    "load_groups",
    "normalize_hs",
    "read_concordance",
    "resolve",
]
