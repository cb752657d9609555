"""The one spec parser: names, keys, types and ranges fail with one line listing what is valid."""

import pytest

import codedcomp
from codedcomp.codes.sums import SCHEMES
from codedcomp.delays import DELAYS


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "nosuch",
            r"unknown scheme 'nosuch'; valid: bcc, hedge, ideal, lt, one, rep, speculate, sr, "
            r"uncoded",
        ),
        ("sr:d=2,nokey=1", r"scheme 'sr': unknown key 'nokey'; valid keys: d, k"),
        ("sr", r"scheme 'sr': missing d"),
        ("sr:d=0", r"scheme 'sr': d=0 must be an integer >= 1"),
        ("sr:d=two", r"scheme 'sr': d='two' must be an integer"),
        ("rep:r=2,r=3", r"key 'r' given twice"),
        ("lt:delta=1.5", r"delta=1.5 must be a number > 0 and <= 1"),
        ("bcc:d=", r"key 'd' needs a value"),
        ("", r"empty scheme spec"),
    ],
)
def test_bad_scheme_specs_name_the_constraint(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        codedcomp.scheme(spec)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("exp:rate=-1", r"delay 'exp': rate=-1 must be a number >= 1e-12 and <= 1e12"),
        ("exp", r"delay 'exp': missing rate"),
        ("pareto:scale=1", r"missing shape"),
        ("weibull:k=1", r"unknown delay 'weibull'; valid: exp, none, pareto, shifted-exp, trace"),
        ("exp:rate=inf", r"rate='inf' must be a number"),
        ("trace:/no/such/file.csv", r"no such file"),
    ],
)
def test_bad_delay_specs_name_the_constraint(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        codedcomp.delay(spec)


def test_good_specs_parse_with_defaults_and_keep_their_spec() -> None:
    s = codedcomp.scheme("rep")
    assert s.r == 2 and s.spec == "rep"
    s = codedcomp.scheme("rep:r=3")
    assert s.r == 3 and s.label == "rep:r=3"
    _entry, kwargs = SCHEMES.parse_args("lt:r=2")
    assert kwargs == {"r": 2, "c": 0.03, "delta": 0.5, "me": None}
    d = codedcomp.delay("shifted-exp:shift=1,rate=0.5")
    assert d.shift == 1 and d.rate == 0.5
    assert DELAYS.parse_args(" exp:rate=0.2 ")[1] == {"rate": 0.2}


def test_every_design_scheme_spec_for_sums_parses() -> None:
    for spec in [
        "uncoded",
        "one",
        "rep:r=2",
        "bcc:d=10",
        "lt:r=1",
        "lt:r=2,c=0.03,delta=0.5",
        "sr:d=10",
        "sr:d=10,k=100",
        "ideal",
    ]:
        assert codedcomp.scheme(spec).label == spec


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("sr:d=4,", r"empty item in 'sr:d=4,'"),
        ("sr:", r"nothing after ':'"),
        ("sr:d=4,,k=2", r"empty item"),
        ("sr:d= 4", r"no spaces in a spec"),
        ("sr:d=１２", r"d='１２' must be an integer >= 1"),
        ("sr:d=1_0", r"d='1_0' must be an integer >= 1"),
        (
            "lt:me=1000000000000000000000000000000",
            r"me=1000000000000000000000000000000 must be an integer >= 1 and <= 1e12",
        ),
        ("lt:c=inf", r"c='inf' must be a number > 0"),
    ],
)
def test_specs_are_parsed_strictly(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        codedcomp.scheme(spec)
    assert "\n" not in str(info.value)


def test_surrounding_whitespace_and_plus_signs_are_the_same_spec() -> None:
    assert codedcomp.scheme(" sr:d=4 ").canonical == codedcomp.scheme("sr:d=+4").canonical
