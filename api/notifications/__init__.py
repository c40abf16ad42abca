"""Notifications: a server-sent-events stream per signed-in address of its orders' events (as
buyer or merchant) and of its court cases (as a party, or drawn as juror), so nobody refreshes a
page to learn what happened.

The truth is the index. Each stream keeps a cursor, the (block, log index) position of the last
event it sent, which is also that event's SSE `id` (positions.py); it reads the address's events
after it from the index tables (order_events, court_case_events: feed.py, indexer/queries.py).
A reconnecting EventSource sends `Last-Event-ID` and gets what followed: nothing is lost, nothing
is kept in memory that a restart or another process would need.

Several API processes can serve one PostgreSQL index behind a load balancer. Each needs only to
learn *when* to read: the indexer sends `NOTIFY fairkey_index` in the transaction of every chunk
it commits (indexer/notify.py), and each API process LISTENs on one connection (wakeup.py) and
wakes its streams. LISTEN/NOTIFY because the database is already the one thing every process
shares: no broker to run, the message is sent exactly when the rows become visible (at commit,
never for a rolled-back chunk), and it goes to every listener. It carries no data the streams
rely on: a lost or late message costs a poll interval (`pg_poll_s`), never an event. A client may
move to another process at any reconnect: its cursor travels in `Last-Event-ID`, its session in
the shared API store. SQLite has no channel between processes and stays a single API process,
which polls the index head (`poll_s`, a one-row read).

Who is signed in: an EventSource cannot set headers, but sends cookies, so the dApp served by the
API streams with its session cookie; other clients use a bearer header or a short-lived stream
ticket (tickets.py).
"""
