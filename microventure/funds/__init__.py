"""Funds (资金池 / 社区基金 / 专项资金) and the contributions raised into them."""
