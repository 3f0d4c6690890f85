"""The Wikidata source against a local SPARQL server: `oxigraph serve` on loopback over a small
Wikidata-shaped fixture (tests/data/wikidata/fixture.ttl), never the internet. It finds items by
transliteration variants of their labels, restricts them to a country, reads GeoNames IDs,
coordinates, countries and classes, and fails with a clear message when the endpoint cannot be
reached, is too slow, or does not speak SPARQL."""

from __future__ import annotations

import contextlib
import http.server
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.config import Settings
from kg.errors import ConfigError, GazetteerError, UsageError
from kg.gazetteer import Candidate, Source
from kg.gazetteer.wikidata import WikidataSource, variants

from .programs import OXIGRAPH, OXIGRAPH_HINT, requires
from .store_servers import free_port, oxigraph_server

FIXTURE = Path(__file__).parent / "data" / "wikidata" / "fixture.ttl"
QARYATAYN, DECOY, TADMUR, PALMYRA_SITE, DUMAYR = "Q2583757", "Q98765432", "Q617760", "Q5859", "Q3088871"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`oxigraph serve` on a free loopback port over the fixture; its query URL."""
    oxigraph = requires(OXIGRAPH, OXIGRAPH_HINT)
    location = tmp_path_factory.mktemp("wikidata")
    subprocess.run(
        [oxigraph, "load", "--location", str(location), "--file", str(FIXTURE)], check=True, capture_output=True
    )
    with oxigraph_server(location) as base:
        yield base + "/query"


def ids(found: list[Candidate]) -> list[str]:
    return [c.id for c in found]


def test_it_is_a_source() -> None:
    """WikidataSource fits the Source protocol; its version names the endpoint and the day."""
    source: Source = WikidataSource("http://127.0.0.1:9/query")
    assert source.name == "wikidata" and source.version.startswith("http://127.0.0.1:9/query 20")


def test_a_candidate_has_everything_linking_needs(endpoint: str) -> None:
    """al-Qaryatayn: its Q-id and URI, names in English and Arabic, GeoNames ID, point, country, class."""
    found = WikidataSource(endpoint).candidates(["al-Qaryatayn"], country="SY")
    assert ids(found) == [QARYATAYN]
    (town,) = found
    assert town.uri == f"http://www.wikidata.org/entity/{QARYATAYN}" and town.source == "wikidata"
    assert town.name == "Al-Qaryatayn"
    assert {"القريتين", "Qaryatein", "Al Qaryatayn"} <= set(town.alternate_names)
    assert town.geonames_id == "173361"
    assert (town.lat, town.lon) == (34.22956, 37.24066)
    assert town.country == "SY"
    assert town.kinds == ("http://www.wikidata.org/entity/Q3957",)
    assert town.version.startswith(endpoint)


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("Qaryatayn", QARYATAYN),  # the article added: Al-Qaryatayn
        ("Al Qaryatain", QARYATAYN),  # -ain → -ayn, and the article's other spelling
        ("al-Dumayr", DUMAYR),  # the article taken off: Dumayr
        ("Aḑ Ḑumayr", DUMAYR),  # diacritics off, assimilated article kept: Ad Dumayr (an alias)
        ("القريتين", QARYATAYN),  # Arabic script is asked for in Arabic
    ],
)
def test_transliteration_variants_find_the_label(endpoint: str, spelling: str, expected: str) -> None:
    """A spelling that is not itself a label finds the item through one of its variants."""
    assert ids(WikidataSource(endpoint).candidates([spelling], country="SY"))[:1] == [expected]


def test_the_country_keeps_out_a_namesake(endpoint: str) -> None:
    """Without a country the Iraqi Al-Qaryatayn is a candidate too, after the Syrian one (which has a
    GeoNames ID); with SY it is gone."""
    source = WikidataSource(endpoint)
    assert ids(source.candidates(["al-Qaryatayn"])) == [QARYATAYN, DECOY]
    assert source.candidates(["al-Qaryatayn"])[1].country == "IQ"
    assert ids(source.candidates(["al-Qaryatayn"], country="sy")) == [QARYATAYN]


def test_several_spellings_and_the_limit(endpoint: str) -> None:
    """Palmyra and Tadmur name the city and the ancient site; the limit cuts the list."""
    source = WikidataSource(endpoint)
    assert set(ids(source.candidates(["Palmyra", "Tadmur"]))) == {TADMUR, PALMYRA_SITE}
    assert len(source.candidates(["Palmyra", "Tadmur"], limit=1)) == 1


def test_nothing_and_hostile_spellings(endpoint: str) -> None:
    """No spelling asks nothing; a spelling full of SPARQL syntax is only a literal that matches nothing."""
    source = WikidataSource(endpoint)
    assert source.candidates([" "]) == []
    assert source.candidates(['x" } ; DROP ALL ; SELECT * { ?s ?p "']) == []
    with pytest.raises(UsageError, match="ISO 3166-1"):
        source.candidates(["Palmyra"], country="Syria")


def test_variants_are_bounded_and_keep_the_given_spellings_first() -> None:
    """The given spellings come first, each variant once, and never more than the cap."""
    found = variants(["al-Qaryatayn", "Qaryatain"])
    assert found[:2] == ["al-Qaryatayn", "Qaryatain"]
    assert "Al-Qaryatayn" in found and len(found) == len(set(found))
    assert len(variants([f"al-Place{i}ah" for i in range(50)])) == 40


# --------------------------------------------------------------------------- failures


def test_an_unreachable_endpoint_says_so(tmp_path: Path) -> None:
    """Nothing listening on the port: the message names the endpoint and the setting."""
    url = f"http://127.0.0.1:{free_port()}/sparql"
    with pytest.raises(GazetteerError, match="cannot reach the Wikidata endpoint") as caught:
        WikidataSource(url, timeout=2).candidates(["Palmyra"])
    assert url in str(caught.value) and "KG_WIKIDATA" in str(caught.value)
    assert caught.value.status == 502


def test_a_silent_endpoint_times_out() -> None:
    """An endpoint that accepts the connection and never answers: the client gives up by itself
    after its limit, on its one connection (no retries), while the server still holds it open."""
    accepted: list[socket.socket] = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"

        def hold() -> None:
            with contextlib.suppress(OSError):  # the listener closed: the test is over
                while True:
                    accepted.append(listener.accept()[0])

        holder = threading.Thread(target=hold, daemon=True)
        holder.start()
        try:
            with pytest.raises(GazetteerError, match="did not answer within 1 s"):
                WikidataSource(url, timeout=1).candidates(["Palmyra"])
            assert len(accepted) == 1 and accepted[0].fileno() != -1  # one try, still open here
        finally:
            listener.shutdown(socket.SHUT_RDWR)
            for connection in accepted:
                connection.close()
    holder.join(10)


class _HtmlPage(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = b"<html><body>Not a SPARQL endpoint</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_an_answer_that_is_not_sparql_results_is_refused() -> None:
    """A web page where SPARQL JSON results were expected is an error naming what came back."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _HtmlPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        with pytest.raises(GazetteerError, match="answered with text/html, not SPARQL JSON results"):
            WikidataSource(url, timeout=5).candidates(["Palmyra"])
    finally:
        server.shutdown()
        server.server_close()


def test_the_endpoint_is_a_setting() -> None:
    """KG_WIKIDATA defaults to Wikidata's public endpoint, can be changed, and must be http(s)."""
    assert Settings.from_env({}).wikidata_endpoint == "https://query.wikidata.org/sparql"
    assert (
        Settings.from_env({"KG_WIKIDATA": "http://127.0.0.1:7878/query"}).wikidata_endpoint
        == "http://127.0.0.1:7878/query"
    )
    with pytest.raises(ConfigError, match="KG_WIKIDATA"):
        Settings.from_env({"KG_WIKIDATA": "query.wikidata.org"})
    with pytest.raises(ConfigError):
        WikidataSource("ftp://example.org/sparql")
