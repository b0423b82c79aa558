"""Verified reviews: only delivered lines, once each; the producer's reply; staff hiding."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from shop.audit import AuditEntry
from shop.enums import OrderStatus, Role
from shop.reviews import services
from shop.reviews.models import Review
from tests.factories import make_product, make_user
from tests.integration.test_buyer_orders import place_for, post, sign_in, walk

S = OrderStatus
DELIVERED = (S.CONFIRMED, S.PACKED, S.SHIPPED, S.DELIVERED)


@pytest.fixture
def signed_in(app, db):
    return lambda user: sign_in(app, db, user)


@pytest.fixture
def world(db, frozen_today):
    tea = make_product(
        name="Trà Shan tuyết Tà Xùa",
        slug="tra-shan-tuyet",
        certificate={"stars": 5},
        variants=[{"price": 250_000, "stock": 100}],
    )
    buyer = make_user(full_name="Trần Thị Mai")
    db.session.commit()
    return {"tea": tea, "buyer": buyer, "owner": tea.producer.owner}


def bought(db, buyer, product, *moves):
    """An order of one `product` by `buyer`, its shipment moved through `moves`; its line."""
    order = place_for(db, buyer, (product, 1))
    walk(order.sub_orders[0], *moves)
    db.session.commit()
    return order, order.lines[0]


def review_url(order, line) -> str:
    return f"/orders/{order.number}/lines/{line.id}/review"


def reviews_section(html: str) -> str:
    return html.split('data-testid="buyer-reviews"', 1)[1].split("</section>", 1)[0]


def test_a_buyer_reviews_a_delivered_purchase_and_it_shows_on_the_product_page(
    db,
    world,
    client,
    signed_in,
):
    order, line = bought(db, world["buyer"], world["tea"], *DELIVERED)
    buyer = signed_in(world["buyer"])
    page = buyer.get(f"/orders/{order.number}").get_data(as_text=True)
    assert page.count('data-testid="review-form"') == 1

    answer = post(buyer, review_url(order, line), rating=4, comment="Trà thơm, giao nhanh.")

    html = answer.get_data(as_text=True)
    assert "Thank you: your review is on the product page." in html
    assert "Your review of Trà Shan tuyết Tà Xùa: 4/5" in html
    assert 'data-testid="review-form"' not in html
    section = reviews_section(buyer.get("/p/tra-shan-tuyet").get_data(as_text=True))
    assert "Buyers' reviews" in section and "not the OCOP rating" in section
    assert "4.0 out of 5" in section and "1 buyer review" in section
    assert "Trà thơm, giao nhanh." in section and "Mai T." in section
    assert "verified purchase" in section
    assert "★" not in section and "ocop-badge" not in section  # the official stars stay apart
    review = db.session.scalars(sa.select(Review)).one()
    assert (review.user_id, review.product_id, review.order_line_id) == (
        world["buyer"].id,
        world["tea"].id,
        line.id,
    )


@pytest.mark.parametrize("moves", [(), (S.CONFIRMED, S.PACKED, S.SHIPPED), (S.CANCELLED,)])
def test_a_review_before_delivery_is_refused(db, world, signed_in, moves):
    order, line = bought(db, world["buyer"], world["tea"], *moves)
    buyer = signed_in(world["buyer"])
    assert 'data-testid="review-form"' not in buyer.get(f"/orders/{order.number}").get_data(
        as_text=True
    )
    html = post(buyer, review_url(order, line), rating=5).get_data(as_text=True)
    assert "You can review this product once its parcel has been delivered." in html
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0


def test_a_second_review_of_the_same_purchase_is_refused(db, world, signed_in):
    order, line = bought(db, world["buyer"], world["tea"], *DELIVERED)
    buyer = signed_in(world["buyer"])
    post(buyer, review_url(order, line), rating=5, comment="Tuyệt vời")
    html = post(buyer, review_url(order, line), rating=1, comment="Đổi ý").get_data(as_text=True)
    assert "You have already reviewed this purchase." in html
    assert db.session.scalars(sa.select(Review.rating)).all() == [5]


def test_the_same_product_bought_twice_may_be_reviewed_twice(db, world):
    _, first = bought(db, world["buyer"], world["tea"], *DELIVERED)
    _, second = bought(db, world["buyer"], world["tea"], *DELIVERED)
    services.post_review(first, world["buyer"], 5, "")
    services.post_review(second, world["buyer"], 3, "")
    assert services.product_reviews(world["tea"].id).count == 2


@pytest.mark.parametrize("rating", [0, 6, -1, ""])
def test_a_rating_outside_one_to_five_is_refused(db, world, signed_in, rating):
    order, line = bought(db, world["buyer"], world["tea"], *DELIVERED)
    html = post(signed_in(world["buyer"]), review_url(order, line), rating=rating).get_data(
        as_text=True
    )
    assert "Choose a rating from 1 to 5." in html
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0


def test_the_database_refuses_a_rating_outside_the_range_too(db, world):
    _, line = bought(db, world["buyer"], world["tea"], *DELIVERED)
    db.session.add(
        Review(
            order_line_id=line.id, product_id=line.product_id, user_id=world["buyer"].id, rating=6
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_review_longer_than_2000_characters_is_refused_with_a_clear_message(
    db,
    world,
    signed_in,
):
    order, line = bought(db, world["buyer"], world["tea"], *DELIVERED)
    buyer = signed_in(world["buyer"])
    html = post(buyer, review_url(order, line), rating=4, comment="a" * 2001).get_data(as_text=True)
    assert "Your text is too long: at most 2000 characters (you wrote 2001)." in html
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0
    post(buyer, review_url(order, line), rating=4, comment="a" * 2000)
    assert len(db.session.scalars(sa.select(Review.comment)).one()) == 2000


def test_another_buyer_gets_404_when_reviewing_someone_elses_purchase(
    db,
    world,
    signed_in,
):
    order, line = bought(db, world["buyer"], world["tea"], *DELIVERED)
    stranger = signed_in(make_user())
    assert post(stranger, review_url(order, line), rating=1).status_code == 404
    _, own_line = bought(db, make_user(), world["tea"], *DELIVERED)
    assert post(stranger, review_url(order, own_line), rating=1).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0


def test_a_visitor_is_asked_to_log_in_before_reviewing(db, world, client):
    order, line = bought(db, world["buyer"], world["tea"], *DELIVERED)
    answer = client.post(review_url(order, line), data={"rating": 5})
    assert answer.status_code in (302, 400)
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0


def test_review_text_is_escaped_on_the_product_page(db, world, english):
    _, line = bought(db, world["buyer"], world["tea"], *DELIVERED)
    services.post_review(line, world["buyer"], 2, '<script>alert("x")</script> <b>bad</b>')
    db.session.commit()
    html = english.get("/p/tra-shan-tuyet").get_data(as_text=True)
    assert "<script>alert" not in html and "<b>bad</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &lt;b&gt;bad&lt;/b&gt;" in html


def test_the_producer_replies_once_and_only_the_producer_may(db, world, signed_in):
    _, line = bought(db, world["buyer"], world["tea"], *DELIVERED)
    review = services.post_review(line, world["buyer"], 3, "Hơi đắng.")
    other_producer = make_product().producer.owner
    db.session.commit()
    url = f"/reviews/{review.id}/reply"

    visitor_page = signed_in(world["buyer"]).get("/p/tra-shan-tuyet").get_data(as_text=True)
    assert 'data-testid="reply-form"' not in visitor_page
    assert post(signed_in(other_producer), url, text="Spam").status_code == 404
    assert post(signed_in(world["buyer"]), url, text="Tôi tự trả lời").status_code == 404

    owner = signed_in(world["owner"])
    assert 'data-testid="reply-form"' in owner.get("/p/tra-shan-tuyet").get_data(as_text=True)
    html = post(owner, url, text="Cảm ơn chị, pha nước 80 độ sẽ bớt đắng.").get_data(as_text=True)
    assert "Your reply is published under the review." in html
    assert "Cảm ơn chị, pha nước 80 độ sẽ bớt đắng." in reviews_section(html)
    assert 'data-testid="reply-form"' not in html

    again = post(owner, url, text="Lần hai").get_data(as_text=True)
    assert "You have already replied to this review." in again
    db.session.expire_all()
    assert db.session.get(Review, review.id).reply == "Cảm ơn chị, pha nước 80 độ sẽ bớt đắng."


def test_staff_hide_an_abusive_review_which_then_neither_shows_nor_counts(
    db,
    world,
    english,
    signed_in,
):
    _, kind_line = bought(db, world["buyer"], world["tea"], *DELIVERED)
    rude_buyer = make_user()
    _, rude_line = bought(db, rude_buyer, world["tea"], *DELIVERED)
    services.post_review(kind_line, world["buyer"], 5, "Ngon")
    rude = services.post_review(rude_line, rude_buyer, 1, "Đồ lừa đảo!!!")
    staff_user = make_user(Role.STAFF)
    db.session.commit()
    assert "3.0 out of 5" in english.get("/p/tra-shan-tuyet").get_data(as_text=True)
    staff = signed_in(staff_user)

    refused = post(staff, "/staff/reviews", review_id=rude.id, reason="").get_data(as_text=True)
    assert "This field is required." in refused
    html = post(staff, "/staff/reviews", review_id=rude.id, reason="Lăng mạ").get_data(as_text=True)

    assert "The review is hidden and no longer counts in the product&#39;s rating." in html
    section = reviews_section(english.get("/p/tra-shan-tuyet").get_data(as_text=True))
    assert "Đồ lừa đảo" not in section and "Ngon" in section
    assert "5.0 out of 5" in section and "1 buyer review" in section
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "review.hidden")
    ).one()
    assert (entry.actor_id, entry.subject_id, entry.reason) == (staff_user.id, rude.id, "Lăng mạ")
    again = post(staff, "/staff/reviews", review_id=rude.id, reason="Lần nữa").get_data(
        as_text=True
    )
    assert "This review is already hidden." in again


def test_a_customer_cannot_reach_the_review_moderation(db, world, signed_in):
    _, line = bought(db, world["buyer"], world["tea"], *DELIVERED)
    review = services.post_review(line, world["buyer"], 1, "…")
    customer = signed_in(make_user())
    assert customer.get("/staff/reviews").status_code == 403
    assert post(customer, "/staff/reviews", review_id=review.id, reason="x").status_code == 403
    db.session.expire_all()
    assert db.session.get(Review, review.id).hidden is False


def many_reviews(db, world, count: int) -> None:
    for n in range(count):
        _, line = bought(db, world["buyer"], world["tea"], *DELIVERED)
        services.post_review(line, world["buyer"], n % 5 + 1, f"Nhận xét số {n + 1}")
    db.session.commit()


def test_reviews_are_paged_newest_first(db, world, english):
    many_reviews(db, world, services.PAGE_SIZE + 2)
    first = reviews_section(english.get("/p/tra-shan-tuyet").get_data(as_text=True))
    comments = re.findall(r"Nhận xét số (\d+)", first)
    assert comments == [str(n) for n in range(12, 2, -1)]
    assert "12 buyer reviews" in first and "Page 1 of 2" in first
    second = reviews_section(english.get("/p/tra-shan-tuyet?reviews_page=2").get_data(as_text=True))
    assert re.findall(r"Nhận xét số (\d+)", second) == ["2", "1"]
    beyond = english.get("/p/tra-shan-tuyet?reviews_page=99").get_data(as_text=True)
    assert "Page 2 of 2" in beyond


def test_the_product_page_runs_a_fixed_number_of_queries_whatever_the_number_of_reviews(
    db, world, client, count_queries
):
    with count_queries() as none:
        client.get("/p/tra-shan-tuyet")
    many_reviews(db, world, 1)
    with count_queries() as one:
        client.get("/p/tra-shan-tuyet")
    many_reviews(db, world, 24)
    with count_queries() as many:
        client.get("/p/tra-shan-tuyet")
    assert none["n"] == one["n"] == many["n"], many["sql"]


def test_the_buyers_rating_and_count_sit_by_the_title_before_the_photos(db, world, english):
    many_reviews(db, world, 3)  # ratings 1, 2 and 3
    html = english.get("/p/tra-shan-tuyet").get_data(as_text=True)
    title = html.index("<h1>Trà Shan tuyết Tà Xùa</h1>")
    rating = html.index('data-testid="buyer-rating"')
    assert title < rating < html.index('data-testid="gallery"')
    assert (
        "2.0/5" in html[rating : rating + 300] and "3 buyer reviews" in html[rating : rating + 300]
    )
