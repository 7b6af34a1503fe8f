"""E-mail between the desk and its clients: reading what comes in and sending what goes out.

`parse` turns the raw bytes of one inbound RFC 5322 message into a plain `Incoming` record (sender,
decoded subject, the readable new part of the body, safely named attachments, whether a person or a
machine wrote it, the ticket numbers it names) without touching the store; `headers`, `html_text`,
`quoting` and `names` are its helpers. The mail settings, composing, SMTP delivery, the outbox and
the receiving flow that stores what `parse` returns live in their own modules beside these (settings,
compose, smtp, outbox, inbound).
"""
