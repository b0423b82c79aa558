"""Product revisions: what a certificate certifies cannot change behind staff's back.

Issue #13, item 5. Once a product's certificate was approved, its name, product set and
claims change only when staff approve a revision; the shop keeps selling the approved version
meanwhile, and every edit of a product is in the audit log.
"""

from __future__ import annotations

import io
import re
import threading

import pytest
import sqlalchemy as sa

from shop import clock, geo
from shop.accounts.models import User
from shop.audit import AuditEntry
from shop.cart.models import Cart, CartLine
from shop.catalog import revisions
from shop.catalog.models import Product, ProductRevision
from shop.certification import services as certification
from shop.certification.models import Certificate
from shop.checkout.services import Delivery, place_order
from shop.enums import CertificateStatus, PaymentMethod, ProductStatus, RevisionStatus, Role
from shop.errors import Refused
from shop.mail import OutboxMessage
from shop.orders.models import OrderLine
from shop.producers import listing_services
from shop.producers.listing_services import ProductDetails
from shop.search import SearchQuery, search_products
from tests import images
from tests.conftest import IsolatedClient, csrf_from
from tests.factories import PASSWORD, make_certificate, make_producer, make_product, make_user

APPROVED_NAME = "Nước mắm cá cơm Phú Quốc 40 độ đạm"
NEW_NAME = "Nước mắm Premium Hưng Thịnh"
DESCRIPTION = "Ủ chượp 12 tháng trong thùng gỗ."
NUMBER = "KG-OCOP-2025-0040"
REASON = (
    "Giấy chứng nhận ghi tên “Nước mắm cá cơm Phú Quốc 40 độ đạm”; tên mới chưa được công nhận."
)


@pytest.fixture
def fish_sauce(db, frozen_today):
    """An approved product on sale: fish sauce, set 9, with its claims and a certificate."""
    producer = make_producer(name="Công ty Nước mắm Hưng Thịnh")
    product = make_product(
        producer,
        name=APPROVED_NAME,
        slug="nuoc-mam-phu-quoc-40",
        product_set_code=9,
        description=DESCRIPTION,
        net_content="Chai 500 ml",
        ingredients="Cá cơm, muối biển",
        shelf_life="24 tháng",
        certificate={"number": NUMBER},
    )
    db.session.commit()
    return product


@pytest.fixture
def staff(db):
    user = make_user(Role.STAFF, full_name="Trần Văn Kiểm", email="kiem@cho-ocop.vn")
    db.session.commit()
    return user


def signed_in(app, user: User):
    """A browser of its own, signed in as `user` through the real form."""
    app.test_client_class = IsolatedClient
    browser = app.test_client()
    token = csrf_from(browser.get("/login").get_data(as_text=True))
    response = browser.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return browser


def with_scan() -> dict:
    """Certificate fields for a stored PNG scan, drawn, as the review page shows it."""
    from shop.certification.scans import store_scan
    from tests.scans import png_bytes

    scan = store_scan(png_bytes())
    return {"scan_path": scan.path, "scan_type": scan.content_type}


def post(browser, page: str, data: dict, action: str | None = None):
    """Post a form of `page` (with that page's CSRF token) to `action` or the page itself."""
    token = csrf_from(browser.get(page).get_data(as_text=True))
    return browser.post(action or page, data={**data, "csrf_token": token})


def details(**change) -> dict:
    return {
        "name": APPROVED_NAME,
        "product_set_code": "9",
        "net_content": "Chai 500 ml",
        "ingredients": "Cá cơm, muối biển",
        "shelf_life": "24 tháng",
        "description": DESCRIPTION,
        **change,
    }


def edit_page(product) -> str:
    return f"/producer/products/{product.id}"


def propose(browser, product, **change):
    return post(browser, edit_page(product), details(**change))


def stored(db, product_id: int) -> Product:
    db.session.expire_all()
    return db.session.get(Product, product_id)


def product_entries(db, product) -> list[AuditEntry]:
    return db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.subject_type == "Product", AuditEntry.subject_id == product.id)
        .order_by(AuditEntry.id)
    ).all()


def the_revision(db, product) -> ProductRevision:
    db.session.expire_all()
    [revision] = db.session.scalars(
        sa.select(ProductRevision).where(ProductRevision.product_id == product.id)
    ).all()
    return revision


def decide(browser, revision, action: str, reason: str = "", version: int | None = None):
    page = f"/staff/revisions/{revision.id}"
    data = {"version": str(revision.version if version is None else version), "reason": reason}
    return post(browser, page, data, action=f"{page}/{action}")


def found(text: str) -> list[str]:
    rows, _result = search_products(SearchQuery(text=text, today=clock.today()))
    return [product.name for product, _certificate in rows]


# --- the approved version stays on sale ------------------------------------------------------


def test_renaming_an_approved_product_waits_for_review_and_the_shop_keeps_the_approved_name(
    app, db, fish_sauce
):
    producer = signed_in(app, fish_sauce.producer.owner)
    # 26 is community tourism: a set that cannot be shipped
    response = propose(producer, fish_sauce, name=NEW_NAME, product_set_code="26")
    assert response.status_code == 302

    public = app.test_client()
    page = public.get("/p/nuoc-mam-phu-quoc-40").get_data(as_text=True)
    assert APPROVED_NAME in page and NEW_NAME not in page
    verified = public.get(f"/verify/{NUMBER}").get_data(as_text=True)
    assert APPROVED_NAME in verified and NEW_NAME not in verified
    api = public.get("/api/v1/products/nuoc-mam-phu-quoc-40").get_json()
    assert api["name"] == APPROVED_NAME and api["product_set"]["code"] == 9
    assert found("premium") == []
    assert found("nước mắm 40 độ") == [APPROVED_NAME]
    product = stored(db, fish_sauce.id)
    assert (product.name, product.product_set_code) == (APPROVED_NAME, 9)
    [entry] = product_entries(db, fish_sauce)
    assert entry.action == "product.revision_proposed"
    assert entry.actor_id == fish_sauce.producer.owner_id
    assert entry.before_data == {"name": APPROVED_NAME, "product_set_code": 9}
    assert entry.after_data == {"name": NEW_NAME, "product_set_code": 26}
    revision = the_revision(db, fish_sauce)
    assert (revision.status, revision.name, revision.product_set_code, revision.version) == (
        RevisionStatus.PENDING,
        NEW_NAME,
        26,
        1,
    )


def test_changed_claims_of_an_approved_product_wait_for_review_too(app, db, fish_sauce):
    producer = signed_in(app, fish_sauce.producer.owner)
    response = propose(
        producer, fish_sauce, net_content="Chai 750 ml", ingredients="Cá cơm, muối, đường"
    )
    assert response.status_code == 302
    page = app.test_client().get("/p/nuoc-mam-phu-quoc-40").get_data(as_text=True)
    assert "Chai 500 ml" in page and "Cá cơm, muối biển" in page
    assert "Chai 750 ml" not in page and "đường" not in page
    claims = app.test_client().get("/api/v1/products/nuoc-mam-phu-quoc-40").get_json()["claims"]
    assert claims == {
        "net_content": "Chai 500 ml",
        "ingredients": "Cá cơm, muối biển",
        "shelf_life": "24 tháng",
    }
    revision = the_revision(db, fish_sauce)
    assert (revision.net_content, revision.ingredients) == ("Chai 750 ml", "Cá cơm, muối, đường")


def test_the_description_of_an_approved_product_changes_at_once_and_is_audited(app, db, fish_sauce):
    producer = signed_in(app, fish_sauce.producer.owner)
    assert propose(producer, fish_sauce, description="Ủ chượp 18 tháng.").status_code == 302
    assert stored(db, fish_sauce.id).description == "Ủ chượp 18 tháng."
    assert db.session.scalar(sa.select(sa.func.count(ProductRevision.id))) == 0
    [entry] = product_entries(db, fish_sauce)
    assert entry.action == "product.updated"
    assert entry.before_data == {"description": DESCRIPTION}
    assert entry.after_data == {"description": "Ủ chượp 18 tháng."}


def test_a_product_never_approved_is_renamed_at_once_and_the_edit_is_audited(app, db, frozen_today):
    product = make_product(
        name="Trà sen Tây Hồ",
        certificate={"status": CertificateStatus.PENDING},
        product_set_code=11,
    )
    db.session.commit()
    producer = signed_in(app, product.producer.owner)
    response = propose(
        producer,
        product,
        name="Trà sen Tây Hồ ướp bông",
        product_set_code="11",
        net_content="Hộp 100 g",
        ingredients="Chè, hoa sen",
        shelf_life="12 tháng",
        description="Mô tả sản phẩm.",
    )
    assert response.status_code == 302
    assert stored(db, product.id).name == "Trà sen Tây Hồ ướp bông"
    assert db.session.scalar(sa.select(sa.func.count(ProductRevision.id))) == 0
    [entry] = product_entries(db, product)
    assert entry.action == "product.updated"
    assert entry.before_data == {
        "name": "Trà sen Tây Hồ",
        "net_content": "",
        "ingredients": "",
        "shelf_life": "",
    }
    assert entry.after_data == {
        "name": "Trà sen Tây Hồ ướp bông",
        "net_content": "Hộp 100 g",
        "ingredients": "Chè, hoa sen",
        "shelf_life": "12 tháng",
    }


def test_a_product_whose_certificate_was_revoked_still_changes_by_revision_only(
    app, db, frozen_today
):
    product = make_product(name="Mật ong bạc hà", certificate={"status": CertificateStatus.REVOKED})
    db.session.commit()
    producer = signed_in(app, product.producer.owner)
    assert propose(producer, product, name="Mật ong rừng", product_set_code="13").status_code == 302
    assert stored(db, product.id).name == "Mật ong bạc hà"
    assert the_revision(db, product).name == "Mật ong rừng"


def test_an_order_placed_while_a_rename_waits_is_sold_under_the_approved_name(app, db, fish_sauce):
    producer = signed_in(app, fish_sauce.producer.owner)
    propose(producer, fish_sauce, name=NEW_NAME)
    cart = Cart(token="r" * 43)
    db.session.add(cart)
    db.session.add(CartLine(cart=cart, variant_id=fish_sauce.variants[0].id, quantity=1))
    db.session.commit()
    delivery = Delivery(
        "Mai", "+84987654321", "mai@example.vn", "1 Lê Duẩn", geo.wards(66)[0][0], 66
    )
    place_order(cart, delivery, PaymentMethod.COD, "k" * 32, 150_000 + 30_000)
    db.session.commit()
    assert db.session.scalars(sa.select(OrderLine.product_name)).all() == [APPROVED_NAME]


# --- the producer's side of a revision -------------------------------------------------------


def test_a_second_edit_updates_the_one_pending_revision(app, db, fish_sauce):
    producer = signed_in(app, fish_sauce.producer.owner)
    propose(producer, fish_sauce, name=NEW_NAME)
    propose(producer, fish_sauce, name="Nước mắm Hưng Thịnh 40 độ đạm")
    revision = the_revision(db, fish_sauce)
    assert (revision.status, revision.name, revision.version) == (
        RevisionStatus.PENDING,
        "Nước mắm Hưng Thịnh 40 độ đạm",
        2,
    )
    actions = [e.action for e in product_entries(db, fish_sauce)]
    assert actions == ["product.revision_proposed", "product.revision_updated"]
    updated = product_entries(db, fish_sauce)[1]
    assert updated.before_data == {"name": NEW_NAME}
    assert updated.after_data == {"name": "Nước mắm Hưng Thịnh 40 độ đạm"}


def test_the_producer_sees_the_waiting_change_and_edits_it_in_place(app, db, fish_sauce):
    producer = signed_in(app, fish_sauce.producer.owner)
    producer.set_cookie("lang", "en")
    response = propose(producer, fish_sauce, name=NEW_NAME)
    flashed = producer.get(response.headers["Location"]).get_data(as_text=True)
    assert "waits for staff review" in flashed
    page = producer.get(edit_page(fish_sauce)).get_data(as_text=True)
    assert 'data-testid="revision-pending"' in page
    diff = page[page.index('data-testid="revision-diff"') :]
    name_row = diff[diff.index('data-field="name"') :]
    name_row = name_row[: name_row.index("</tr>")]
    assert 'data-changed="yes"' in name_row
    assert APPROVED_NAME in name_row and NEW_NAME in name_row
    assert 'data-field="ingredients" data-changed="no"' in diff
    # the form holds the proposal, so the next save edits it
    assert re.search(rf'name="name"[^>]*value="{NEW_NAME}"', page)
    resaved = propose(producer, fish_sauce, name=NEW_NAME, description="Ủ chượp 18 tháng.")
    assert "still waits for staff review" in producer.get(resaved.headers["Location"]).get_data(
        as_text=True
    )
    assert the_revision(db, fish_sauce).version == 1


def test_editing_back_to_the_approved_details_withdraws_the_waiting_change(app, db, fish_sauce):
    producer = signed_in(app, fish_sauce.producer.owner)
    propose(producer, fish_sauce, name=NEW_NAME)
    propose(producer, fish_sauce)  # the approved values again
    assert the_revision(db, fish_sauce).status == RevisionStatus.WITHDRAWN
    assert [e.action for e in product_entries(db, fish_sauce)] == [
        "product.revision_proposed",
        "product.revision_withdrawn",
    ]


def test_the_producer_withdraws_a_waiting_change_and_the_approved_details_stay(app, db, fish_sauce):
    producer = signed_in(app, fish_sauce.producer.owner)
    propose(producer, fish_sauce, name=NEW_NAME)
    withdraw = f"{edit_page(fish_sauce)}/revision/withdraw"
    assert post(producer, edit_page(fish_sauce), {}, action=withdraw).status_code == 302
    revision = the_revision(db, fish_sauce)
    assert revision.status == RevisionStatus.WITHDRAWN and revision.decided_by_id is None
    assert stored(db, fish_sauce.id).name == APPROVED_NAME
    page = producer.get(edit_page(fish_sauce)).get_data(as_text=True)
    assert 'data-testid="revision-pending"' not in page
    producer.set_cookie("lang", "en")
    again = post(producer, edit_page(fish_sauce), {}, action=withdraw)
    assert "No change of this product is waiting for review" in producer.get(
        again.headers["Location"]
    ).get_data(as_text=True)
    entry = product_entries(db, fish_sauce)[-1]
    assert entry.action == "product.revision_withdrawn"
    assert entry.actor_id == fish_sauce.producer.owner_id


def test_the_database_keeps_one_pending_revision_per_product(db, fish_sauce):
    owner_id = fish_sauce.producer.owner_id
    for name in ("Tên một", "Tên hai"):
        db.session.add(
            ProductRevision(
                product_id=fish_sauce.id, name=name, product_set_code=9, proposed_by_id=owner_id
            )
        )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


# --- staff decide -----------------------------------------------------------------------------


def test_staff_see_the_waiting_change_beside_the_certificate_and_its_scan(
    app, db, fish_sauce, staff
):
    from shop.certification.scans import store_scan
    from tests.scans import PDF

    scan = store_scan(PDF)
    certificate = fish_sauce.certificates[0]
    certificate.scan_path, certificate.scan_type = scan.path, scan.content_type
    db.session.commit()
    propose(signed_in(app, fish_sauce.producer.owner), fish_sauce, name=NEW_NAME)
    browser = signed_in(app, staff)
    browser.set_cookie("lang", "en")
    queue = browser.get("/staff/revisions/").get_data(as_text=True)
    revision = the_revision(db, fish_sauce)
    assert f'href="/staff/revisions/{revision.id}"' in queue
    assert APPROVED_NAME in queue and "Product name" in queue
    assert 'href="/staff/revisions/"' in browser.get("/staff/").get_data(as_text=True)
    page = browser.get(f"/staff/revisions/{revision.id}").get_data(as_text=True)
    name_row = page[page.index('data-field="name"') :]
    name_row = name_row[: name_row.index("</tr>")]
    assert 'data-changed="yes"' in name_row and APPROVED_NAME in name_row and NEW_NAME in name_row
    assert 'data-field="product_set_code" data-changed="no"' in page
    assert f'src="/staff/certificates/{certificate.id}/scan"' in page
    assert NUMBER in page
    assert 'name="version" type="hidden" value="1"' in page
    assert 'data-testid="approve-revision"' in page and 'data-testid="refuse-revision"' in page


def test_staff_approve_a_change_and_the_shop_then_shows_the_new_name(app, db, fish_sauce, staff):
    propose(signed_in(app, fish_sauce.producer.owner), fish_sauce, name=NEW_NAME)
    revision = the_revision(db, fish_sauce)
    browser = signed_in(app, staff)
    response = decide(browser, revision, "approve")
    assert response.status_code == 302 and response.headers["Location"] == "/staff/revisions/"
    decided = browser.get(f"/staff/revisions/{revision.id}").get_data(as_text=True)
    assert 'data-testid="revision-decision"' in decided and staff.full_name in decided
    assert 'data-testid="approve-revision"' not in decided

    product = stored(db, fish_sauce.id)
    assert product.name == NEW_NAME and product.slug == "nuoc-mam-phu-quoc-40"
    revision = the_revision(db, fish_sauce)
    assert (revision.status, revision.decided_by_id) == (RevisionStatus.APPROVED, staff.id)
    public = app.test_client()
    assert NEW_NAME in public.get("/p/nuoc-mam-phu-quoc-40").get_data(as_text=True)
    assert public.get("/api/v1/products/nuoc-mam-phu-quoc-40").get_json()["name"] == NEW_NAME
    assert found("premium") == [NEW_NAME]
    entry = product_entries(db, fish_sauce)[-1]
    assert entry.action == "product.revision_approved" and entry.actor_id == staff.id
    assert entry.before_data == {"name": APPROVED_NAME}
    assert entry.after_data == {"name": NEW_NAME}
    [mail] = db.session.scalars(sa.select(OutboxMessage)).all()
    assert mail.recipient == fish_sauce.producer.owner.email
    assert NEW_NAME in mail.subject and NEW_NAME in mail.body


def test_the_verification_page_shows_what_the_certificate_certified_after_a_rename(
    app, db, fish_sauce, staff
):
    propose(signed_in(app, fish_sauce.producer.owner), fish_sauce, name=NEW_NAME)
    decide(signed_in(app, staff), the_revision(db, fish_sauce), "approve")
    public = app.test_client()
    public.set_cookie("lang", "en")
    page = public.get(f"/verify/{NUMBER}").get_data(as_text=True)
    assert re.search(rf'data-testid="certified-name">{APPROVED_NAME}<', page)
    assert re.search(rf'data-testid="sold-as">{NEW_NAME}<', page)
    answer = public.get(f"/api/v1/certificates/{NUMBER}").get_json()
    assert answer["certificates"][0]["product"] == {
        "name": APPROVED_NAME,
        "slug": "nuoc-mam-phu-quoc-40",
        "product_set": 9,
        "sold_as": NEW_NAME,
    }


def test_staff_refuse_a_change_with_a_reason_the_producer_reads_and_receives(
    app, db, fish_sauce, staff
):
    producer = signed_in(app, fish_sauce.producer.owner)
    propose(producer, fish_sauce, name=NEW_NAME, product_set_code="26")
    revision = the_revision(db, fish_sauce)
    assert decide(signed_in(app, staff), revision, "refuse", REASON).status_code == 302

    product = stored(db, fish_sauce.id)
    assert (product.name, product.product_set_code) == (APPROVED_NAME, 9)
    revision = the_revision(db, fish_sauce)
    assert (revision.status, revision.decision_reason) == (RevisionStatus.REFUSED, REASON)
    page = producer.get(edit_page(fish_sauce)).get_data(as_text=True)
    assert 'data-testid="revision-refused"' in page and REASON in page
    assert re.search(rf'name="name"[^>]*value="{APPROVED_NAME}"', page)
    [mail] = db.session.scalars(sa.select(OutboxMessage)).all()
    assert mail.recipient == fish_sauce.producer.owner.email and REASON in mail.body
    assert NEW_NAME in mail.body
    entry = product_entries(db, fish_sauce)[-1]
    assert (entry.action, entry.reason, entry.actor_id) == (
        "product.revision_refused",
        REASON,
        staff.id,
    )


def test_refusing_without_a_reason_is_refused_and_changes_nothing(app, db, fish_sauce, staff):
    propose(signed_in(app, fish_sauce.producer.owner), fish_sauce, name=NEW_NAME)
    revision = the_revision(db, fish_sauce)
    browser = signed_in(app, staff)
    browser.set_cookie("lang", "en")
    response = decide(browser, revision, "refuse", "   ")
    assert "Please give the producer a reason." in browser.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert the_revision(db, fish_sauce).status == RevisionStatus.PENDING
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_a_decision_on_a_proposal_the_producer_changed_meanwhile_is_refused(
    app, db, fish_sauce, staff
):
    producer = signed_in(app, fish_sauce.producer.owner)
    propose(producer, fish_sauce, name=NEW_NAME)
    seen = the_revision(db, fish_sauce)  # staff open the page at version 1
    propose(producer, fish_sauce, name="Nước mắm chưa ai duyệt")
    browser = signed_in(app, staff)
    browser.set_cookie("lang", "en")
    response = decide(browser, seen, "approve", version=1)
    assert "changed this proposal while you were looking at it" in browser.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert stored(db, fish_sauce.id).name == APPROVED_NAME
    assert the_revision(db, fish_sauce).status == RevisionStatus.PENDING


def test_a_second_decision_on_the_same_change_is_refused(app, db, fish_sauce, staff):
    propose(signed_in(app, fish_sauce.producer.owner), fish_sauce, name=NEW_NAME)
    revision = the_revision(db, fish_sauce)
    browser = signed_in(app, staff)
    browser.set_cookie("lang", "en")
    decide(browser, revision, "approve")
    again = decide(browser, revision, "refuse", "Bấm nhầm")
    assert "no longer waiting for review" in browser.get(again.headers["Location"]).get_data(
        as_text=True
    )
    assert the_revision(db, fish_sauce).status == RevisionStatus.APPROVED
    assert [e.action for e in product_entries(db, fish_sauce)].count(
        "product.revision_approved"
    ) == 1


def test_a_reviewer_who_owns_the_producer_may_not_decide_on_its_change(app, db, frozen_today):
    reviewer = make_user(Role.STAFF)
    product = make_product(make_producer(owner=reviewer), name=APPROVED_NAME)
    db.session.commit()
    browser = signed_in(app, reviewer)
    browser.set_cookie("lang", "en")
    propose(browser, product, name=NEW_NAME, product_set_code="13")
    revision = the_revision(db, product)
    page = browser.get(f"/staff/revisions/{revision.id}").get_data(as_text=True)
    assert "another staff member must decide" in page
    assert 'data-testid="approve-revision"' not in page
    response = decide(browser, revision, "approve")
    assert "another staff member must decide" in browser.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert stored(db, product.id).name == APPROVED_NAME


def test_the_staff_queue_runs_a_fixed_number_of_queries(
    app, db, frozen_today, staff, count_queries
):
    def waiting_changes(n: int) -> None:
        for _ in range(n):
            product = make_product()
            db.session.add(
                ProductRevision(
                    product=product,
                    name=product.name + " mới",
                    product_set_code=9,
                    proposed_by_id=product.producer.owner_id,
                )
            )
        db.session.commit()

    browser = signed_in(app, staff)
    waiting_changes(1)
    with count_queries() as one:
        assert browser.get("/staff/revisions/").status_code == 200
    waiting_changes(5)
    with count_queries() as six:
        page = browser.get("/staff/revisions/").get_data(as_text=True)
    assert page.count('data-testid="revision-row"') == 6
    assert six["n"] == one["n"], six["sql"]


# --- certificates record what they certify ---------------------------------------------------


def test_approving_a_renewal_records_the_name_staff_approved_then(app, db, fish_sauce, staff):
    propose(signed_in(app, fish_sauce.producer.owner), fish_sauce, name=NEW_NAME)
    decide(signed_in(app, staff), the_revision(db, fish_sauce), "approve")
    renewal = make_certificate(
        stored(db, fish_sauce.id),
        number="KG-OCOP-2026-0007",
        status=CertificateStatus.PENDING,
        **with_scan(),
    )
    db.session.commit()
    browser = signed_in(app, staff)
    page = browser.get(f"/staff/certificates/{renewal.id}").get_data(as_text=True)
    facts = re.search(r'name="facts" value="([0-9a-f]+)"', page).group(1)
    shown = re.search(r'name="scan_shown" value="([^"]+)"', page).group(1)
    action = f"/staff/certificates/{renewal.id}/approve"
    response = post(
        browser,
        f"/staff/certificates/{renewal.id}",
        {"facts": facts, "scan_shown": shown},
        action=action,
    )
    assert response.status_code == 302
    db.session.expire_all()
    first, second = db.session.scalars(sa.select(Certificate).order_by(Certificate.id)).all()
    assert (first.product_name, second.product_name) == (APPROVED_NAME, NEW_NAME)
    assert second.status == CertificateStatus.APPROVED and second.product_set_code == 9


def test_a_certificate_approval_is_refused_when_the_producer_renamed_the_product_meanwhile(
    app, db, frozen_today, staff
):
    product = make_product(
        name="Trà sen Tây Hồ", certificate={"status": CertificateStatus.PENDING, **with_scan()}
    )
    certificate = product.certificates[0]
    db.session.commit()
    browser = signed_in(app, staff)
    browser.set_cookie("lang", "en")
    page = browser.get(f"/staff/certificates/{certificate.id}").get_data(as_text=True)
    seen = re.search(r'name="facts" value="([0-9a-f]+)"', page).group(1)
    shown = re.search(r'name="scan_shown" value="([^"]+)"', page).group(1)
    propose(
        signed_in(app, product.producer.owner),
        product,
        name="Trà sen thượng hạng",
        product_set_code="13",
        description="Mô tả sản phẩm.",
    )
    token = csrf_from(page)
    response = browser.post(
        f"/staff/certificates/{certificate.id}/approve",
        data={"csrf_token": token, "facts": seen, "scan_shown": shown},
    )
    follow = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing was approved: check them against the scan again." in follow
    db.session.expire_all()
    certificate = db.session.get(Certificate, certificate.id)
    assert certificate.status == CertificateStatus.PENDING and certificate.product_name is None
    assert db.session.get(Product, product.id).certified_at is None


def test_an_approved_certificate_without_the_facts_it_certifies_cannot_be_stored(db, frozen_today):
    product = make_product(certificate={"status": CertificateStatus.PENDING})
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(
            sa.update(Certificate)
            .where(Certificate.product_id == product.id)
            .values(status=CertificateStatus.APPROVED)
        )
    db.session.rollback()


# --- every edit is audited --------------------------------------------------------------------


def test_every_edit_of_a_listed_product_is_in_the_audit_log(app, db, fish_sauce):
    owner = fish_sauce.producer.owner
    producer = signed_in(app, owner)
    page = edit_page(fish_sauce)
    variant = fish_sauce.variants[0]
    variant_data = {"label": "Chai 1 lít", "sku": "HT-1000", "price": "250.000"}
    variant_data |= {"stock": "8", "weight_grams": "1200"}
    post(producer, page, variant_data, action=f"{page}/variants")
    post(
        producer,
        page,
        {"label": variant.label, "sku": variant.sku, "price": "160.000", "stock": "3"}
        | {"weight_grams": str(variant.weight_grams)},
        action=f"{page}/variants/{variant.id}",
    )
    token = csrf_from(producer.get(page).get_data(as_text=True))
    for photo in (images.jpeg(), images.png()):
        producer.post(
            f"{page}/images",
            data={"csrf_token": token, "photo": (io.BytesIO(photo), "photo")},
            content_type="multipart/form-data",
        )
    first, second = stored(db, fish_sauce.id).images
    post(producer, page, {"alt_text": "Chai nước mắm"}, action=f"{page}/images/{second.id}")
    post(producer, page, {}, action=f"{page}/images/{second.id}/up")
    post(producer, page, {}, action=f"{page}/images/{first.id}/delete")
    new_variant = [v for v in stored(db, fish_sauce.id).variants if v.sku == "HT-1000"][0]
    post(producer, page, {}, action=f"{page}/variants/{new_variant.id}/delete")
    post(producer, page, {}, action=f"{page}/hide")
    post(producer, page, {}, action=f"{page}/show")

    entries = product_entries(db, fish_sauce)
    assert [e.action for e in entries] == [
        "product.variant_added",
        "product.variant_updated",
        "product.photo_added",
        "product.photo_added",
        "product.photo_updated",
        "product.photos_reordered",
        "product.photo_deleted",
        "product.variant_deleted",
        "product.hide",
        "product.show",
    ]
    assert {e.actor_id for e in entries} == {owner.id}
    updated = entries[1]
    assert updated.before_data == {"sku": variant.sku, "price": 150_000, "stock": 10}
    assert updated.after_data == {"sku": variant.sku, "price": 160_000, "stock": 3}
    assert entries[0].after_data == {
        "sku": "HT-1000",
        "label": "Chai 1 lít",
        "price": 250_000,
        "stock": 8,
        "weight_grams": 1200,
    }
    assert entries[8].before_data == {"status": "active"}
    assert entries[8].after_data == {"status": "hidden"}
    assert stored(db, fish_sauce.id).status == ProductStatus.ACTIVE


# --- races, with real threads on the test database (SQLite or PostgreSQL) ---------------------


def _race(app, *jobs) -> list[str]:
    """Run each job in its own thread, app context and database session, all at once;
    the outcome of each: "ok", the refusal's message id, or the unexpected error."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = [""] * len(jobs)

    def run(index: int, job) -> None:
        with app.app_context():
            from shop.extensions import db as scoped

            try:
                barrier.wait(timeout=30)
                job(scoped)
                outcomes[index] = "ok"
            except revisions.RevisionRefused:
                outcomes[index] = "refused"
            except Refused:
                outcomes[index] = "certificate refused"
            except Exception as error:  # any other failure is a defect
                outcomes[index] = repr(error)
            finally:
                scoped.session.remove()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_staff_approving_one_change_at_once_apply_it_once(app, db, fish_sauce):
    first, second = make_user(Role.STAFF), make_user(Role.STAFF)
    db.session.commit()
    producer = signed_in(app, fish_sauce.producer.owner)
    propose(producer, fish_sauce, name=NEW_NAME)
    revision_id = the_revision(db, fish_sauce).id
    staff_ids = (first.id, second.id)

    def approve_as(staff_id):
        def job(scoped):
            revision = scoped.session.get(ProductRevision, revision_id)
            revisions.approve(revision, scoped.session.get(User, staff_id), 1)

        return job

    outcomes = _race(app, *(approve_as(i) for i in staff_ids))
    assert sorted(outcomes) == ["ok", "refused"], outcomes
    assert stored(db, fish_sauce.id).name == NEW_NAME
    actions = [e.action for e in product_entries(db, fish_sauce)]
    assert actions.count("product.revision_approved") == 1
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1


def test_staff_approving_while_the_producer_edits_never_apply_an_unseen_version(
    app, db, fish_sauce, staff
):
    producer = signed_in(app, fish_sauce.producer.owner)
    propose(producer, fish_sauce, name=NEW_NAME)
    revision_id = the_revision(db, fish_sauce).id
    owner_id, staff_id = fish_sauce.producer.owner_id, staff.id

    def approve(scoped):
        revision = scoped.session.get(ProductRevision, revision_id)
        revisions.approve(revision, scoped.session.get(User, staff_id), 1)

    def edit(scoped):
        listing_services.update_product(
            scoped.session.get(Product, fish_sauce.id),
            ProductDetails(
                name="Phiên bản chưa ai xem",
                product_set_code=9,
                description=DESCRIPTION,
                net_content="Chai 500 ml",
                ingredients="Cá cơm, muối biển",
                shelf_life="24 tháng",
            ),
            scoped.session.get(User, owner_id),
        )

    outcomes = _race(app, approve, edit)
    db.session.expire_all()
    name = stored(db, fish_sauce.id).name
    decided = db.session.scalars(sa.select(ProductRevision).order_by(ProductRevision.id)).all()
    if outcomes == ["ok", "ok"]:  # staff first: NEW_NAME applied, the edit is a new proposal
        assert name == NEW_NAME
        assert [(r.status, r.name) for r in decided] == [
            (RevisionStatus.APPROVED, NEW_NAME),
            (RevisionStatus.PENDING, "Phiên bản chưa ai xem"),
        ]
    else:  # the producer first: the proposal moved to version 2, which nobody approved
        assert outcomes == ["refused", "ok"], outcomes
        assert name == APPROVED_NAME
        assert [(r.status, r.name, r.version) for r in decided] == [
            (RevisionStatus.PENDING, "Phiên bản chưa ai xem", 2)
        ]


def test_a_refusal_racing_the_producers_edit_refuses_only_the_version_staff_saw(
    app, db, fish_sauce, staff
):
    producer = signed_in(app, fish_sauce.producer.owner)
    propose(producer, fish_sauce, name=NEW_NAME)
    revision_id = the_revision(db, fish_sauce).id
    owner_id, staff_id = fish_sauce.producer.owner_id, staff.id

    def refuse(scoped):
        revision = scoped.session.get(ProductRevision, revision_id)
        revisions.refuse(revision, scoped.session.get(User, staff_id), 1, REASON)

    def edit(scoped):
        listing_services.update_product(
            scoped.session.get(Product, fish_sauce.id),
            ProductDetails(
                name="Phiên bản thứ hai",
                product_set_code=9,
                description=DESCRIPTION,
                net_content="Chai 500 ml",
                ingredients="Cá cơm, muối biển",
                shelf_life="24 tháng",
            ),
            scoped.session.get(User, owner_id),
        )

    outcomes = _race(app, refuse, edit)
    db.session.expire_all()
    rows = [
        (r.status, r.name, r.version)
        for r in db.session.scalars(sa.select(ProductRevision).order_by(ProductRevision.id))
    ]
    assert stored(db, fish_sauce.id).name == APPROVED_NAME
    if outcomes[0] == "ok":  # staff refused version 1; the edit was refused or proposed anew
        assert rows[0] == (RevisionStatus.REFUSED, NEW_NAME, 1)
        assert outcomes[1] in ("ok", "refused"), outcomes
        expected = [(RevisionStatus.PENDING, "Phiên bản thứ hai", 1)] if outcomes[1] == "ok" else []
        assert rows[1:] == expected
    else:  # the edit came first: version 2 waits, nobody refused what they did not see
        assert outcomes == ["refused", "ok"], outcomes
        assert rows == [(RevisionStatus.PENDING, "Phiên bản thứ hai", 2)]


def test_two_edits_of_a_certified_product_at_once_leave_one_pending_change(app, db, fish_sauce):
    owner_id = fish_sauce.producer.owner_id

    def rename(to):
        def job(scoped):
            listing_services.update_product(
                scoped.session.get(Product, fish_sauce.id),
                ProductDetails(
                    name=to,
                    product_set_code=9,
                    description=DESCRIPTION,
                    net_content="Chai 500 ml",
                    ingredients="Cá cơm, muối biển",
                    shelf_life="24 tháng",
                ),
                scoped.session.get(User, owner_id),
            )

        return job

    outcomes = _race(app, rename("Tên thứ nhất"), rename("Tên thứ hai"))
    assert outcomes == ["ok", "ok"], outcomes
    db.session.expire_all()
    [revision] = db.session.scalars(sa.select(ProductRevision)).all()
    assert revision.status == RevisionStatus.PENDING and revision.version == 2
    assert revision.name in ("Tên thứ nhất", "Tên thứ hai")
    assert stored(db, fish_sauce.id).name == APPROVED_NAME


def test_a_rename_racing_the_first_certificate_approval_never_slips_past_review(
    app, db, frozen_today, staff
):
    product = make_product(
        name="Trà sen Tây Hồ",
        certificate={"status": CertificateStatus.PENDING},
        product_set_code=11,
    )
    certificate_id = product.certificates[0].id
    db.session.commit()
    seen = revisions.fingerprint(product)
    owner_id, staff_id = product.producer.owner_id, staff.id

    def approve(scoped):
        certificate = scoped.session.get(Certificate, certificate_id)
        certification.approve(certificate, scoped.session.get(User, staff_id), seen)
        scoped.session.commit()

    def rename(scoped):
        listing_services.update_product(
            scoped.session.get(Product, product.id),
            ProductDetails(
                name="Trà sen chưa ai duyệt", product_set_code=11, description="Mô tả sản phẩm."
            ),
            scoped.session.get(User, owner_id),
        )

    outcomes = _race(app, approve, rename)
    db.session.expire_all()
    certificate = db.session.get(Certificate, certificate_id)
    renamed = db.session.get(Product, product.id)
    pending = db.session.scalars(sa.select(ProductRevision.name)).all()
    if outcomes == ["ok", "ok"]:  # approved first: the rename became a revision
        assert certificate.status == CertificateStatus.APPROVED
        assert certificate.product_name == renamed.name == "Trà sen Tây Hồ"
        assert pending == ["Trà sen chưa ai duyệt"]
    else:  # renamed first: the approval of what staff saw is refused
        assert outcomes == ["certificate refused", "ok"], outcomes
        assert certificate.status == CertificateStatus.PENDING
        assert renamed.name == "Trà sen chưa ai duyệt" and renamed.certified_at is None
        assert pending == []


# --- the migration ----------------------------------------------------------------------------


def _scratch_database(tmp_path, engine: str):
    """A context manager giving the URL of an empty scratch database on `engine`."""
    import contextlib
    import uuid

    from tests.conftest import TEST_DATABASE_URL

    @contextlib.contextmanager
    def scratch():
        if engine == "sqlite":
            yield f"sqlite:///{tmp_path / 'migrated.db'}"
            return
        if not (TEST_DATABASE_URL or "").startswith("postgresql"):
            pytest.skip("needs the tests to run on PostgreSQL")
        admin = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
        name = f"ocop_migrations_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            url = sa.make_url(TEST_DATABASE_URL).set(database=name)
            yield url.render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    return scratch()


@pytest.mark.parametrize(
    "engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_migration_0004_records_what_existing_certificates_certify(tmp_path, engine):
    """On a deployed database, approved and revoked certificates record their product's
    name and set, and those products become certified; pending ones do not."""
    import flask_migrate

    from shop import create_app
    from shop.catalog.services import sync_product_sets
    from shop.extensions import db

    with _scratch_database(tmp_path, engine) as url:
        app = create_app("test", SQLALCHEMY_DATABASE_URI=url, INSTANCE_PATH=str(tmp_path / "i"))
        with app.app_context():
            flask_migrate.upgrade()  # the rows come from today's models, then back to 0003
            sync_product_sets()
            approved = make_product(name="Bưởi da xanh Bến Tre", product_set_code=5)
            revoked = make_product(
                name="Mật ong bạc hà", certificate={"status": CertificateStatus.REVOKED}
            )
            waiting = make_product(
                name="Trà sen Tây Hồ", certificate={"status": CertificateStatus.PENDING}
            )
            ids = [p.id for p in (approved, revoked, waiting)]
            db.session.commit()
            db.session.remove()
            flask_migrate.downgrade(revision="0003_search_suggestions")
            flask_migrate.upgrade()
            certified = db.session.execute(
                sa.text(
                    "SELECT p.id, c.product_name, c.product_set_code, p.certified_at IS NOT NULL"
                    " FROM products p JOIN certificates c ON c.product_id = p.id ORDER BY p.id"
                )
            ).all()
            db.session.remove()
            db.engine.dispose()
    assert [tuple(row) for row in certified] == [
        (ids[0], "Bưởi da xanh Bến Tre", 5, True),
        (ids[1], "Mật ong bạc hà", 13, True),
        (ids[2], None, None, False),
    ]
