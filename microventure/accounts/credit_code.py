"""The unified social credit code (统一社会信用代码) check character of GB 32100-2015."""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 symbols: no I, O, S, V, Z
VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 3^(i-1) mod 31 for positions 1..17


def normalize(code: str) -> str:
    return code.strip().upper().replace(" ", "")


def check_character(body: str) -> str:
    """The 18th character for the first 17."""
    total = sum(VALUES[ch] * w for ch, w in zip(body, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_well_formed(code: str) -> bool:
    return len(code) == 18 and all(ch in VALUES for ch in code)


def is_valid_credit_code(code: str) -> bool:
    code = normalize(code)
    return is_well_formed(code) and check_character(code[:17]) == code[17]
