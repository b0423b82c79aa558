"""Public verification: the page, the JSON answer, the badge and the QR code that lead there."""

from __future__ import annotations

import datetime as dt

import pytest

from shop.enums import CertificateStatus
from tests.factories import make_product

TODAY = dt.date(2026, 11, 30)


def decided_for_expiry(day: dt.date) -> dt.date:
    return dt.date(day.year - 3, day.month, day.day)


@pytest.mark.parametrize(
    "certificate, status, text",
    [
        ({"decision_date": dt.date(2025, 6, 1)}, "valid", "Valid"),
        (
            {"decision_date": decided_for_expiry(TODAY + dt.timedelta(days=20))},
            "expiring",
            "expires in 20 days",
        ),
        ({"decision_date": decided_for_expiry(TODAY)}, "expiring", "expires in 0 days"),
        (
            {"decision_date": decided_for_expiry(TODAY - dt.timedelta(days=1))},
            "expired",
            "Expired on 29/11/2026",
        ),
    ],
)
def test_the_verification_page_gives_a_clear_status(
    db, english, frozen_today, certificate, status, text
):
    product = make_product(certificate={"number": "ocop-hg 2025/017", **certificate})
    db.session.commit()
    html = english.get("/verify/OCOP-HG2025/017").get_data(as_text=True)
    assert f'data-status="{status}"' in html and text in html
    assert product.name in html and product.producer.name in html
    answer = english.get("/api/v1/certificates/ocop-hg2025/017").get_json()
    assert answer["status"] == status
    facts = answer["certificates"][0]
    assert facts["product"]["name"] == product.name and facts["stars"] == 4
    assert facts["issuing_body"] and facts["decision_number"] and facts["verified_at"] is None


def test_a_revoked_certificate_says_so_with_its_date(db, english, frozen_today):
    import datetime

    make_product(
        certificate={
            "number": "OCOP-1",
            "status": CertificateStatus.REVOKED,
            "revoked_at": datetime.datetime(2026, 11, 2, 20, 0),  # 03/11 in Vietnam
            "revoke_reason": "Vi phạm an toàn thực phẩm",
        }
    )
    db.session.commit()
    html = english.get("/verify/OCOP-1").get_data(as_text=True)
    assert 'data-status="revoked"' in html and "Revoked on 03/11/2026" in html
    assert "Vi phạm an toàn thực phẩm" in html


@pytest.mark.parametrize(
    "status",
    [CertificateStatus.PENDING, CertificateStatus.REJECTED, CertificateStatus.CHANGES_REQUESTED],
)
def test_a_certificate_never_approved_is_as_unknown_as_a_made_up_number(
    db, english, frozen_today, status
):
    make_product(certificate={"number": "OCOP-2", "status": status})
    db.session.commit()
    for number in ("OCOP-2", "FAKE-999"):
        response = english.get(f"/verify/{number}")
        assert 'data-status="unknown"' in response.get_data(as_text=True)
        api = english.get(f"/api/v1/certificates/{number}")
        assert api.status_code == 404 and api.get_json()["status"] == "unknown"


def test_the_search_form_leads_to_the_number_page(client):
    response = client.get("/verify?number=+OCOP-DL-1+")
    assert response.status_code == 302 and response.headers["Location"] == "/verify/OCOP-DL-1"
    assert client.get("/verify").status_code == 200


def test_the_star_badge_says_ocop_and_links_to_verification(db, client, frozen_today):
    make_product(certificate={"number": "OCOP-3", "stars": 3})
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert 'href="/verify/OCOP-3"' in html and ">OCOP<" in html and "★★★<" in html


def test_the_product_page_shows_a_qr_code_leading_to_verification(db, client, frozen_today):
    product = make_product(certificate={"number": "OCOP-4"})
    db.session.commit()
    html = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert "<svg width=" in html and "<title>http://localhost/verify/OCOP-4</title>" in html
    assert 'href="/verify/OCOP-4"' in html


def test_a_very_long_number_is_not_found_rather_than_an_error(client):
    assert client.get("/verify/" + "9" * 200).status_code == 404
    assert client.get("/api/v1/certificates/" + "9" * 200).status_code == 404


def test_a_number_with_a_line_break_gets_the_verification_answer_not_a_generic_404(client):
    answer = client.get("/api/v1/certificates/OCOP%0A017")
    assert answer.status_code == 404
    assert answer.get_json() == {"number": "OCOP\n017", "status": "unknown", "certificates": []}
    assert client.get("/verify/OCOP%0A017").status_code == 200


def test_the_page_links_to_the_product_only_while_the_shop_sells_it(db, english, frozen_today):
    """A valid certificate of a suspended producer's product: genuine, but not on sale here."""
    from shop.enums import ProducerStatus

    product = make_product(certificate={"number": "OCOP-QN 2025/101"})
    db.session.commit()
    link = f'href="/p/{product.slug}"'
    assert link in english.get("/verify/OCOP-QN2025/101").get_data(as_text=True)

    product.producer.status = ProducerStatus.SUSPENDED
    db.session.commit()

    html = english.get("/verify/OCOP-QN2025/101").get_data(as_text=True)
    assert 'data-status="valid"' in html and link not in html
    assert english.get(f"/p/{product.slug}").status_code == 404


def test_a_number_with_a_line_break_gets_the_apis_own_unknown_answer(client):
    """The `path` converter stops at a line break: the route would not match and the API would
    answer the generic error body, not its documented one (found by the API fuzzer)."""
    response = client.get("/api/v1/certificates/OCOP%0A2025")
    assert response.status_code == 404
    assert response.get_json() == {"number": "OCOP\n2025", "status": "unknown", "certificates": []}
    assert client.get("/verify/OCOP%0A2025").status_code == 200  # its own "not found" page


@pytest.mark.parametrize(
    "typed",
    ["ocop qg 2025 0001", "  OCOP-QG-2025-0001  ", "ocop-qg-2025-0001", "OCOP  QG   2025 0001"],
)
def test_the_verify_box_finds_the_number_however_it_was_typed(db, english, frozen_today, typed):
    make_product(certificate={"number": "OCOP-QG-2025-0001"})
    db.session.commit()
    response = english.get("/verify", query_string={"number": typed})
    assert response.status_code == 302
    assert response.headers["Location"] == "/verify/OCOP-QG-2025-0001"
    html = english.get(f"/verify/{typed.strip()}").get_data(as_text=True)
    assert 'data-status="valid"' in html and "OCOP-QG-2025-0001" in html


def test_the_verdict_leads_with_a_word_and_its_date_then_a_buy_link(db, english, frozen_today):
    product = make_product(certificate={"number": "OCOP-5", "decision_date": dt.date(2025, 6, 1)})
    db.session.commit()
    html = english.get("/verify/OCOP-5").get_data(as_text=True)
    verdict = html[html.index('data-testid="verdict"') :]
    assert verdict.index("Valid") < verdict.index("Valid until 01/06/2028")
    assert verdict.index("Valid until 01/06/2028") < verdict.index("★★★★")
    assert verdict.index("★★★★") < verdict.index(f'href="/p/{product.slug}"')
    assert verdict.index(f'href="/p/{product.slug}"') < verdict.index(product.producer.name)


def test_a_revoked_verdict_lists_its_revocation_date_among_the_facts(db, english, frozen_today):
    make_product(
        certificate={
            "number": "OCOP-6",
            "status": CertificateStatus.REVOKED,
            "revoked_at": dt.datetime(2026, 11, 2, 20, 0),
        }
    )
    db.session.commit()
    html = english.get("/verify/OCOP-6").get_data(as_text=True)
    word = html[
        html.index('class="verdict-word"') : html.index("</h2>", html.index("verdict-word"))
    ]
    assert word.split("</span>")[1].strip() == "Revoked"
    assert '<dd data-testid="revoked-on">03/11/2026</dd>' in html
