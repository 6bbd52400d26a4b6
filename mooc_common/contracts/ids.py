"""The shapes of the ids on the wire, declared once (schemas, the gateway's path check, xAPI ids)."""

# Every object id the platform generates is a uuid's 32 lowercase hex digits. A value of any
# other shape (a dict such as {"$regex": ...}, a string with '$') never reaches the store.
ID_PATTERN = r"[0-9a-f]{32}"
# A key the author's client chooses inside a course (lesson, section, question, option).
CLIENT_KEY_PATTERN = r"[A-Za-z0-9_-]{1,64}"
# A webhook delivery is named after its subscriber, its event (a uuid) and its replay, if any.
DELIVERY_ID_PATTERN = rf"{ID_PATTERN}:[0-9a-f-]{{32,36}}(:{ID_PATTERN})?"
