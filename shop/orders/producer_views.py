"""The producer's shipments: list, detail, moves, packing slip, CSV export, sales figures.

A sub-order of another producer does not exist for this one (404, on GET and POST alike);
a signed-in customer gets 403 and a visitor is sent to log in (producer_required).
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shop import clock
from shop.access import own_or_404, producer_required
from shop.enums import OrderStatus
from shop.errors import attach_error, render_error_page
from shop.formatting import format_vnd
from shop.labels import ACTOR_LABELS, ORDER_STATUS_LABELS, PAYMENT_METHOD_LABELS
from shop.orders import charts, states
from shop.orders import producer_services as services
from shop.orders.models import SubOrder
from shop.orders.views import bp

MOVED = {
    OrderStatus.CONFIRMED: _l("Order confirmed. Pack it next."),
    OrderStatus.PACKED: _l("Marked as packed. Hand it to the carrier next."),
    OrderStatus.SHIPPED: _l("Marked as shipped. The buyer received the tracking number."),
    OrderStatus.DELIVERED: _l("Marked as delivered. The buyer was told."),
    OrderStatus.CANCELLED: _l("Order cancelled. Its stock is back on sale."),
}


def own_sub_order(sub_order_id: int) -> SubOrder:
    """The signed-in producer's shipment, or 404 (another producer's does not exist)."""
    return own_or_404(SubOrder, sub_order_id)


def _bad_filter(error: services.InvalidOrderFilter):
    return render_error_page(400, _("Check the dates and filters"), error.message)


@bp.get("/producer/orders")
@producer_required
def producer_orders():
    """The producer's shipments: new ones first, then newest first; filtered and paged."""
    try:
        filters = services.parse_filters(request.args)
    except services.InvalidOrderFilter as error:
        return _bad_filter(error)
    page = services.list_sub_orders(current_user.producer.id, filters)
    return render_template(
        "orders/producer_list.html",
        page=page,
        filters=filters,
        statuses=list(OrderStatus),
        labels=ORDER_STATUS_LABELS,
        item_count=services.item_count,
    )


@bp.get("/producer/orders/<int:sub_order_id>")
@producer_required
def producer_order(sub_order_id: int):
    """One shipment: where it goes, what is in it, its timeline, and the next moves."""
    sub = own_sub_order(sub_order_id)
    return render_template(
        "orders/producer_detail.html",
        sub=sub,
        order=sub.order,
        address=services.full_address(sub.order),
        moves=states.allowed_moves(sub, states.PRODUCER),
        labels=ORDER_STATUS_LABELS,
        actor_labels=ACTOR_LABELS,
        payment_label=PAYMENT_METHOD_LABELS[sub.order.payment_method],
    )


@bp.post("/producer/orders/<int:sub_order_id>/move")
@producer_required
def producer_move(sub_order_id: int):
    """Move a shipment along (or cancel it); the buyer hears of shipping, delivery and a
    cancellation."""
    sub = own_sub_order(sub_order_id)
    try:
        target = OrderStatus(request.form.get("target", ""))
    except ValueError:
        abort(400)
    try:
        services.move_shipment(
            sub,
            target,
            current_user.id,
            carrier=request.form.get("carrier", ""),
            tracking_number=request.form.get("tracking_number", ""),
            note=request.form.get("note", ""),
        )
    except states.TransitionRefused as refused:  # the page has the fields carrier, tracking_number
        attach_error(None, refused, field_id=refused.field)
    else:
        flash(str(MOVED[target]), "success")
    return redirect(url_for(".producer_order", sub_order_id=sub_order_id))


@bp.get("/producer/orders/<int:sub_order_id>/packing-slip")
@producer_required
def producer_packing_slip(sub_order_id: int):
    """A page to print and put in the parcel: who it is for, what is in it, who sent it."""
    sub = own_sub_order(sub_order_id)
    return render_template(
        "orders/producer_packing_slip.html",
        sub=sub,
        order=sub.order,
        address=services.full_address(sub.order),
        producer=current_user.producer,
    )


@bp.get("/producer/orders.csv")
@producer_required
def producer_orders_csv():
    """The producer's order lines placed between two days, as a spreadsheet."""
    try:
        since, until = services.parse_range(request.args)
    except services.InvalidOrderFilter as error:
        return _bad_filter(error)
    lines = services.export_lines(current_user.producer.id, since, until)
    name = "don-hang-{}-{}.csv".format(
        since.isoformat() if since else "dau", until.isoformat() if until else "nay"
    )
    return Response(
        services.orders_csv(lines),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.get("/producer/orders/sales")
@producer_required
def producer_sales():
    """Revenue and orders per month over the last year, and the best-selling products."""
    producer_id = current_user.producer.id
    today = clock.today()
    months = services.monthly_sales(producer_id, today)
    products = services.top_products(producer_id, today)
    return render_template(
        "orders/producer_sales.html",
        months=months,
        products=products,
        month_chart=_month_chart(months),
        product_chart=_product_chart(products) if products else None,
    )


def _month_chart(months: list[services.MonthSales]):
    bars = [
        charts.Bar(
            label=str(m.month.month),
            value=m.revenue,
            value_text=format_vnd(m.revenue),
            sublabel=str(m.month.year) if i == 0 or m.month.month == 1 else "",
            tip=f"{m.month:%m/%Y}: {format_vnd(m.revenue)}",
        )
        for i, m in enumerate(months)
    ]
    first, last = months[0].month, months[-1].month
    return charts.column_chart(
        bars,
        chart_id="sales-by-month",
        title=_("Revenue by month"),
        description=_(
            "Revenue from %(first)s to %(last)s, one bar per month; the table below gives "
            "the figures.",
            first=first.strftime("%m/%Y"),
            last=last.strftime("%m/%Y"),
        ),
    )


def _product_chart(products: list[services.ProductSales]):
    bars = [charts.Bar(p.name, p.revenue, format_vnd(p.revenue)) for p in products]
    return charts.row_chart(
        bars,
        chart_id="top-products",
        title=_("Best-selling products"),
        description=_(
            "The %(n)s products with the highest revenue over the last 12 months.", n=len(bars)
        ),
    )
