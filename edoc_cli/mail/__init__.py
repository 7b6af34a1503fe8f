"""E-mail to and from clients (issue 15): settings, composing, delivery, parsing."""
