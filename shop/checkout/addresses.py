"""Postal addresses by country: the regions a country's addresses name, the order its fields
come in, the phone rule, the postal code formats of the countries we check, and the one check
the checkout form and the API share.

Regions are listed for the countries whose post needs one (US states, Canadian provinces,
Australian states) and for the UK's four nations, which a UK address may name and the shop
asks for because tax and carriers treat them apart (counties are optional in UK addresses
and not listed). Codes are the part after the dash of the ISO 3166-2 code ("CA" for US-CA),
as the post writes them. Country names come from django-countries.

Postal codes are checked and normalised for the US (ZIP or ZIP+4), Canada ("K1A 0B1"), the UK
(BS 7666 postcodes, "SW1A 1AA") and Australia (4 digits) by django-localflavor's fields; other
countries' codes are taken as typed (the API's 3 to 20 letters, digits, spaces or dashes).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError
from django_countries import countries
from localflavor.au.forms import AUPostCodeField
from localflavor.ca.forms import CAPostalCodeField
from localflavor.gb.forms import GBPostcodeField
from localflavor.us.forms import USZipCodeField

from config.errors import InvalidInput

# fmt: off
REGIONS: Mapping[str, Mapping[str, str]] = {
    "US": {
        "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas",
        "CA": "California", "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware",
        "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia", "HI": "Hawaii",
        "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
        "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
        "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi",
        "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
        "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
        "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
        "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
        "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
        "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin",
        "WY": "Wyoming", "AS": "American Samoa", "GU": "Guam",
        "MP": "Northern Mariana Islands", "PR": "Puerto Rico", "VI": "U.S. Virgin Islands",
    },
    "CA": {
        "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
        "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "NT": "Northwest Territories",
        "NU": "Nunavut", "ON": "Ontario", "PE": "Prince Edward Island", "QC": "Quebec",
        "SK": "Saskatchewan", "YT": "Yukon",
    },
    "GB": {"ENG": "England", "NIR": "Northern Ireland", "SCT": "Scotland", "WLS": "Wales"},
    "AU": {
        "ACT": "Australian Capital Territory", "NSW": "New South Wales",
        "NT": "Northern Territory", "QLD": "Queensland", "SA": "South Australia",
        "TAS": "Tasmania", "VIC": "Victoria", "WA": "Western Australia",
    },
}
# fmt: on
# What the region is called where the country has them.
REGION_LABELS = {"US": "State", "CA": "Province", "GB": "Nation", "AU": "State or territory"}

# The order of the city, region and postal code fields (and lines), by country; the rest
# use DEFAULT_LAYOUT. "postal_code" before "city" is the continental European habit.
CITY_FIRST = ("city", "region", "postal_code")
POSTAL_FIRST = ("postal_code", "city", "region")
DEFAULT_LAYOUT = CITY_FIRST
# fmt: off
POSTAL_FIRST_COUNTRIES = frozenset({
    "AT", "BE", "CH", "CZ", "DE", "DK", "ES", "FI", "FR", "GR",
    "HU", "IS", "IT", "LU", "NL", "NO", "PL", "PT", "SE", "SK",
})
# fmt: on

# The countries whose postal codes are checked: the field that checks and normalises one, and
# what the shopper is told when it does not.
POSTAL_CODE_FIELDS: Mapping[str, type[forms.Field]] = {
    "US": USZipCodeField,
    "CA": CAPostalCodeField,
    "GB": GBPostcodeField,
    "AU": AUPostCodeField,
}
POSTAL_CODE_MESSAGES = {
    "US": "Enter a ZIP code: 5 digits, or 5 digits, a dash and 4 more (12345 or 12345-6789).",
    "CA": "Enter a Canadian postal code: letter, digit, letter, digit, letter, digit (K1A 0B1).",
    "GB": "Enter a UK postcode, such as SW1A 1AA or M1 1AE.",
    "AU": "Enter an Australian postcode: 4 digits (2000; 0800 in the Northern Territory).",
}

PHONE_RE = re.compile(r"^\+?[0-9 ()\-]{5,30}$")
PHONE_MESSAGE = "Enter a phone number: digits, spaces, +, - and parentheses."
REGION_REQUIRED = "Choose a {label}."
REGION_UNKNOWN = "Choose a {label} of {country} from the list."


def layout(country: str) -> tuple[str, ...]:
    return POSTAL_FIRST if country.upper() in POSTAL_FIRST_COUNTRIES else DEFAULT_LAYOUT


def country_name(code: str) -> str:
    return str(countries.name(code.upper())) or code


def region_label(country: str) -> str:
    return REGION_LABELS.get(country.upper(), "Region")


def region_name(country: str, region: str) -> str:
    return REGIONS.get(country.upper(), {}).get(region.upper(), region)


def phone_clean(raw: str) -> str:
    """A loosely valid phone number, trimmed and with runs of spaces made one; "" stays ""."""
    phone = " ".join(raw.split())
    if phone and (not PHONE_RE.match(phone) or sum(ch.isdigit() for ch in phone) < 5):
        raise InvalidInput(PHONE_MESSAGE, errors={"phone": [PHONE_MESSAGE]})
    return phone


def postal_code_clean(country: str, raw: str, *, strict: bool = True) -> str:
    """The postal code written as the country's post writes it ("sw1a1aa" is "SW1A 1AA",
    "k1a0b1" is "K1A 0B1"), or InvalidInput (on `postal_code`) when the country is one we
    check and it is not one of its codes. Not `strict` (the API, whose contract takes any 3 to
    20 letters, digits, spaces or dashes), a code that is not the country's is kept as typed."""
    code = " ".join(raw.split()).upper()
    field = POSTAL_CODE_FIELDS.get(country.upper())
    if field is None or not code:
        return code
    try:
        return str(field().clean(code))
    except ValidationError:
        if not strict:
            return code
        message = POSTAL_CODE_MESSAGES[country.upper()]
        raise InvalidInput(message, errors={"postal_code": [message]}) from None


def region_clean(country: str, region: str, *, required: bool = True) -> str:
    """The region's code for `country`: from the list where the country has regions (and
    there when `required`: the API, whose contract made it optional, does not require it),
    else "" (a region given for a country without a list is dropped)."""
    country = country.upper()
    listed = REGIONS.get(country)
    if listed is None:
        return ""
    code = region.strip().upper()
    label = region_label(country).lower()
    if not code and not required:
        return ""
    if not code:
        message = REGION_REQUIRED.format(label=label)
        raise InvalidInput(message, errors={"region": [message]})
    if code not in listed:
        # A shopper (or client) may send the name instead of the code.
        by_name = {name.upper(): key for key, name in listed.items()}
        if code in by_name:
            return by_name[code]
        message = REGION_UNKNOWN.format(label=label, country=country_name(country))
        raise InvalidInput(message, errors={"region": [message]})
    return code


def address_lines(
    *, name: str, line1: str, city: str, region: str, postal_code: str, country: str
) -> list[str]:
    """The address as a label prints it, with full region and country names."""
    parts = {"city": city, "region": region_name(country, region), "postal_code": postal_code}
    if country.upper() in POSTAL_FIRST_COUNTRIES:
        place = " ".join(parts[key] for key in layout(country) if parts[key])
    else:
        town = ", ".join(part for part in (city, parts["region"]) if part)
        place = " ".join(part for part in (town, postal_code) if part)
    return [line for line in (name, line1, place, country_name(country)) if line]
