"""The regulation's rules, one module per rule, named after it (docs/regulation.md maps every
clause to its module). Plain Python: no command line, no terminal, no store.

- checklist: the items of a checklist (field, clause, what is wrong) and the limits of typed text
- registration: clauses 4, 7, 8, 10-12 (the checklist of a new request)
- identity: clause 11 (who the client is: IIN, BIN, login, e-mail, phone)
- scope: clause 6 (what support handles)
- help_centre: clauses 10, 14 (the Help Centre and its FAQ)
- service_levels: clauses 2, 3, 13 (levels, targets, a bug's priority)
- working_time: clause 5 (the working calendar)
- postponement: clause 9
- no_response: clause 15 (closing after 8 working hours without the client's answer)
- termination: clause 16 (abuse, complaints about staff)
- third_parties: clause 17
The state machine of a ticket is `lifecycle`; the SLA clocks are `sla`.
"""
