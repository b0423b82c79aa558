"""The outbox: mail leaves only after commit, and a failed delivery is retried later."""

import email
from email import policy
from pathlib import Path

import pytest
import sqlalchemy as sa

from shop.mail import OutboxMessage, queue_mail


def eml_files(app):
    folder = Path(app.instance_path) / "outbox"
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def test_a_message_is_written_only_after_the_transaction_commits(app, db):
    queue_mail("an@example.vn", "Xin chào", "Nội dung")
    db.session.flush()
    assert eml_files(app) == []
    db.session.commit()
    files = eml_files(app)
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert message["Subject"] == "Xin chào" and message.get_content().strip() == "Nội dung"
    assert db.session.scalar(sa.select(OutboxMessage.sent_at)) is not None


def test_a_rolled_back_message_leaves_no_trace(app, db):
    queue_mail("an@example.vn", "Xin chào", "Nội dung")
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert eml_files(app) == []
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_smtp_down_keeps_the_message_and_flask_mail_send_retries_it(app, db):
    app.config["MAIL_SERVER"] = "127.0.0.1"
    app.config["MAIL_PORT"] = 9  # nothing listens on the discard port here
    queue_mail("an@example.vn", "Đơn hàng", "Cảm ơn")
    db.session.commit()
    message = db.session.scalar(sa.select(OutboxMessage))
    db.session.refresh(message)
    assert message.sent_at is None and message.attempts == 1 and message.last_error

    failed = app.test_cli_runner().invoke(args=["mail", "send"])
    assert failed.exit_code == 1 and "0 sent, 1 failed" in failed.output

    app.config["MAIL_SERVER"] = None  # SMTP "comes back" (as the file backend here)
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "1 sent, 0 failed" in result.output
    db.session.refresh(message)
    assert message.sent_at is not None and len(eml_files(app)) == 1


@pytest.mark.parametrize(
    "subject",
    [
        "Đơn hàng OCOP-2026-000001: người mua đã hủy kiện hàng của bạn",
        "Đơn hàng OCOP-2026-000123: người mua đã hủy kiện hàng",
        "Order OCOP-2026-000001: the buyer cancelled your shipment, a long subject in plain ASCII",
    ],
)
def test_an_encoded_subject_keeps_the_spaces_around_accented_words(app, subject):
    from email.header import decode_header, make_header

    from shop.mail import build_email

    message = OutboxMessage(recipient="a@example.vn", subject=subject, body="x")
    raw = bytes(build_email(message, "shop@example.vn"))
    assert all(len(line) <= 78 for line in raw.splitlines())
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == subject
    old_style = email.message_from_bytes(raw)  # compat32, as many mail readers decode
    unfolded = "".join(old_style["Subject"].splitlines())  # RFC 5322 unfolding
    assert str(make_header(decode_header(unfolded))) == subject
    if "người" in subject:
        assert "người mua đã hủy" in parsed["Subject"]
