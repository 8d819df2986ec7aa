"""Filling the filing form (/tickets/new) and the staff intake (/staff/tickets/new) in Chromium, in either
language: the choices by the name a reader sees on them, the other fields by the id both forms give them
(`f-<name>`), each checked to have its label. The caller submits, since the button and the page it
leads to differ between the forms."""
from __future__ import annotations

from collections.abc import Iterable

# the forms' fields in the order they stand on the page (the intake's channel and received time first)
TEXT_FIELDS = ("received_at", "guide", "subject", "description", "company_name", "credit_code", "contact_name",
               "phone", "email")


def fill_filing(page, *, channel: str = "", type: str = "", topic: str = "",
                attachments: Iterable[tuple[str, str, bytes]] = (), publish: bool = False,
                confidential: bool = False, consent: bool = False, **text: str) -> None:
    """Fill what is given and leave the rest as the form shows it: `channel` and `type` by the label of
    their radio button ("电话", "投诉", "Complaint"), `topic` by its code, the text fields by name,
    `attachments` as (file name, MIME type, content), and tick `publish`, `confidential` and `consent`
    when true."""
    unknown = set(text) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"no such field on the filing forms: {sorted(unknown)}")
    for label in (channel, type):
        if label:
            page.get_by_role("radio", name=label, exact=True).check()
    if topic:
        labelled(page, "topic").select_option(topic)
    for name in TEXT_FIELDS:
        if name in text:
            labelled(page, name).fill(text[name])
    files = [{"name": name, "mimeType": mime, "buffer": content} for name, mime, content in attachments]
    if files:
        labelled(page, "attachments").set_input_files(files)
    for name, wanted in (("publish", publish), ("confidential", confidential), ("consent", consent)):
        if wanted:
            labelled(page, name).check()


def labelled(page, name: str):
    """The form's field `name`, once it is sure that a label names it."""
    label = page.locator(f'label[for="f-{name}"]')
    assert label.count() == 1 and label.inner_text().strip(), f"the field {name} has no label"
    return page.locator(f"#f-{name}")
