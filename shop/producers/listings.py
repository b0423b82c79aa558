"""A producer's listings: create and edit products, their status, variants and photos.

Every route takes the product from the URL and answers 404 when it is not the signed-in
producer's (another producer's product does not exist, as in certification.views). Each POST
calls one use case of listing_services (or catalog.revisions), which commits or refuses.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shop.catalog import revisions
from shop.catalog.models import Product, ProductImage, Variant
from shop.catalog.revisions import Outcome
from shop.catalog.services import unlisted_reason
from shop.catalog.views import UNLISTED_REASONS
from shop.checkout import holds
from shop.enums import RevisionStatus
from shop.errors import Refused, attach_error
from shop.extensions import db
from shop.producers import listing_services as services
from shop.producers.listing_forms import (
    ActionForm,
    ImageTextForm,
    ImageUploadForm,
    ProductForm,
    VariantForm,
)
from shop.producers.views import bp, producer_required

STATUS_DONE = {
    "publish": _l("Product published."),
    "hide": _l("Product hidden: it is no longer in the shop."),
    "show": _l("The product is back in the shop."),
}
SAVED = {
    Outcome.APPLIED: _l("Product saved."),
    Outcome.UNCHANGED: _l("Product saved."),
    Outcome.PROPOSED: _l(
        "Saved. The change to the certified details waits for staff review: until staff "
        "approve it, the shop keeps showing the approved version."
    ),
    Outcome.PROPOSAL_UPDATED: _l(
        "Your proposed change is updated. It still waits for staff review."
    ),
    Outcome.PROPOSAL_WITHDRAWN: _l(
        "The certified details are back to the approved version, so your proposed change "
        "was withdrawn."
    ),
}
STILL_PENDING = _l("Product saved. Your proposed change still waits for staff review.")


def own_product(product_id: int) -> Product:
    """The signed-in producer's product, or 404."""
    product = db.session.get(Product, product_id)
    if product is None or product.producer_id != current_user.producer.id:
        abort(404)
    return product


def own_variant(product_id: int, variant_id: int) -> Variant:
    """A variant of the signed-in producer's product named in the URL, or 404."""
    product = own_product(product_id)
    variant = db.session.get(Variant, variant_id)
    if variant is None or variant.product_id != product.id:
        abort(404)
    return variant


def own_image(product_id: int, image_id: int) -> ProductImage:
    """A photo of the signed-in producer's product named in the URL, or 404."""
    product = own_product(product_id)
    image = db.session.get(ProductImage, image_id)
    if image is None or image.product_id != product.id:
        abort(404)
    return image


def _apply(action: Callable[[], object], form=None) -> bool:
    """Run a use case (it commits, or refuses having written nothing); show a refusal."""
    try:
        action()
    except Refused as error:
        attach_error(form, error)
        return False
    return True


def _product_details(form: ProductForm) -> services.ProductDetails:
    return services.ProductDetails(
        name=form.name.data,
        product_set_code=form.product_set_code.data,
        description=form.description.data or "",
        net_content=form.net_content.data or "",
        ingredients=form.ingredients.data or "",
        shelf_life=form.shelf_life.data or "",
    )


def _details_shown(product: Product, pending) -> dict:
    """The details form's values: the product's, with the certified facts of the change
    waiting for review if there is one (the producer goes on editing that proposal)."""
    facts = revisions.CertifiedFacts.of(pending or product).as_dict()
    return {**facts, "description": product.description}


def _variant_details(form: VariantForm) -> services.VariantDetails:
    return services.VariantDetails(
        label=form.label.data,
        sku=form.sku.data,
        price=form.price.data,
        stock=form.stock.data,
        weight_grams=form.weight_grams.data,
    )


def _edit_url(product: Product, section: str | None = None) -> str:
    return url_for(".edit_product", product_id=product.id, _anchor=section)


def _edit_page(product: Product, details=None, variant_form=None, upload_form=None):
    """The product's page; the form that was posted (if any) comes back with its errors."""
    reason = unlisted_reason(product)
    latest = revisions.latest_revision(product)
    pending = latest if latest and latest.status == RevisionStatus.PENDING else None
    return render_template(
        "producers/product_edit.html",
        product=product,
        certified=revisions.is_certified(product),
        revision=latest,
        changes=revisions.changes_for_display(latest) if pending else [],
        form=details or ProductForm(formdata=None, data=_details_shown(product, pending)),
        variant_form=variant_form or VariantForm(formdata=None),
        upload_form=upload_form or ImageUploadForm(formdata=None),
        action_form=ActionForm(formdata=None),
        reason=reason,
        reason_text=UNLISTED_REASONS.get(reason, ""),
        status_labels=services.STATUS_LABELS,
        max_images=services.MAX_IMAGES,
        stock_use=holds.stock_use(v.id for v in product.variants),
        hold_window=holds.hold_window_text(),
    )


@bp.route("/producer/products/new", methods=["GET", "POST"])
@producer_required
def new_product():
    """Start a product as a draft: name, OCOP product set and description."""
    form = ProductForm()
    if form.validate_on_submit():
        try:
            product = services.create_product(
                current_user.producer, _product_details(form), current_user
            )
        except Refused as error:
            attach_error(form, error)
        else:
            flash(_("Draft saved. Add its variants and photos, then publish it."), "success")
            return redirect(_edit_url(product))
    return render_template("producers/product_form.html", form=form)


@bp.route("/producer/products/<int:product_id>", methods=["GET", "POST"])
@producer_required
def edit_product(product_id: int):
    """The product's page for its producer; a POST saves the details (the slug never changes).

    Once the product is certified, a change to its name, set or claims waits for staff.
    """
    product = own_product(product_id)
    form = ProductForm(data=_details_shown(product, revisions.pending_revision(product)))
    if not form.validate_on_submit():
        return _edit_page(product, details=form)
    try:
        outcome = services.update_product(product, _product_details(form), current_user)
    except Refused as error:
        attach_error(form, error)
        return _edit_page(product, details=form)
    if outcome == Outcome.UNCHANGED and revisions.pending_revision(product):
        flash(str(STILL_PENDING), "info")
    else:
        flash(str(SAVED[outcome]), "info" if outcome == Outcome.PROPOSED else "success")
    return redirect(_edit_url(product, "details"))


@bp.post("/producer/products/<int:product_id>/revision/withdraw")
@producer_required
def withdraw_revision(product_id: int):
    """Take back the change of the certified details that waits for staff review."""
    product = own_product(product_id)
    if _apply(lambda: revisions.withdraw(product, current_user)):
        flash(_("Your proposed change was withdrawn. The approved details stay."), "success")
    return redirect(_edit_url(product, "details"))


@bp.post("/producer/products/<int:product_id>/<any(publish, hide, show):action>")
@producer_required
def change_status(product_id: int, action: str):
    """Publish a draft, hide a published product, or show a hidden one again."""
    product = own_product(product_id)
    if _apply(lambda: services.change_status(product, action, current_user)):
        flash(str(STATUS_DONE[action]), "success")
    return redirect(_edit_url(product, "status"))


@bp.post("/producer/products/<int:product_id>/variants")
@producer_required
def add_variant(product_id: int):
    """Add a variant (pack, SKU, price, stock, weight)."""
    product = own_product(product_id)
    form = VariantForm()
    if form.validate_on_submit() and _apply(
        lambda: services.add_variant(product, _variant_details(form), current_user), form
    ):
        flash(_("Variant added."), "success")
        return redirect(_edit_url(product, "variants"))
    return _edit_page(product, variant_form=form)


@bp.route("/producer/products/<int:product_id>/variants/<int:variant_id>", methods=["GET", "POST"])
@producer_required
def edit_variant(product_id: int, variant_id: int):
    """Change a variant's pack, SKU, price, stock or weight."""
    variant = own_variant(product_id, variant_id)
    form = VariantForm(obj=variant, variant_id=variant.id)
    if form.validate_on_submit() and _apply(
        lambda: services.update_variant(variant, _variant_details(form), current_user), form
    ):
        flash(_("Variant saved."), "success")
        return redirect(_edit_url(variant.product, "variants"))
    return render_template(
        "producers/variant_form.html",
        form=form,
        product=variant.product,
        variant=variant,
        use=holds.stock_use([variant.id]).get(variant.id, holds.StockUse()),
    )


@bp.post("/producer/products/<int:product_id>/variants/<int:variant_id>/delete")
@producer_required
def delete_variant(product_id: int, variant_id: int):
    """Delete a variant (a published product keeps at least one)."""
    variant = own_variant(product_id, variant_id)
    product = variant.product
    if _apply(lambda: services.delete_variant(variant, current_user)):
        flash(_("Variant deleted."), "success")
    return redirect(_edit_url(product, "variants"))


@bp.post("/producer/products/<int:product_id>/images")
@producer_required
def upload_image(product_id: int):
    """Add a photo; the pipeline checks it is a real image and strips its metadata."""
    product = own_product(product_id)
    form = ImageUploadForm()
    if form.validate_on_submit():
        data = form.photo.data.read() if form.photo.data else b""
        if _apply(
            lambda: services.add_image(product, data, form.alt_text.data or "", current_user),
            form,
        ):
            flash(_("Photo added."), "success")
            return redirect(_edit_url(product, "images"))
    return _edit_page(product, upload_form=form)


@bp.route("/producer/products/<int:product_id>/images/<int:image_id>", methods=["GET", "POST"])
@producer_required
def edit_image(product_id: int, image_id: int):
    """Change a photo's description (its alt text)."""
    image = own_image(product_id, image_id)
    form = ImageTextForm(obj=image)
    if form.validate_on_submit() and _apply(
        lambda: services.update_image(image, form.alt_text.data, current_user), form
    ):
        flash(_("Photo description saved."), "success")
        return redirect(_edit_url(image.product, "images"))
    return render_template("producers/image_form.html", form=form, image=image)


@bp.post("/producer/products/<int:product_id>/images/<int:image_id>/<any(up, down):direction>")
@producer_required
def move_image(product_id: int, image_id: int, direction: str):
    """Swap a photo with the one before or after it; the first photo is the cover."""
    image = own_image(product_id, image_id)
    product = image.product
    _apply(lambda: services.move_image(image, -1 if direction == "up" else 1, current_user))
    return redirect(_edit_url(product, "images"))


@bp.post("/producer/products/<int:product_id>/images/<int:image_id>/delete")
@producer_required
def delete_image(product_id: int, image_id: int):
    """Remove a photo from the product."""
    image = own_image(product_id, image_id)
    product = image.product
    if _apply(lambda: services.delete_image(image, current_user)):
        flash(_("Photo deleted."), "success")
    return redirect(_edit_url(product, "images"))
