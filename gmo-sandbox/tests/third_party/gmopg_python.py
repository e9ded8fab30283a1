"""PyPI `gmopg` 0.0.6 (a-r-g-v/gmo-payment-python), unchanged, against a GMO sandbox.

    python3 gmopg_python.py BASE_URL SHOP_ID SHOP_PASS SITE_ID SITE_PASS ORDER_PREFIX

gmopg hard-codes GMO's hosts (`gmopg.context.Context.API_BASE_URL_*`): the script points the
test-host constant at the sandbox, the only change. Tokens come from the sandbox's token
endpoint over plain HTTP, as token.js would fetch them. Exits non-zero on the first surprise;
prints "ok: N checks" at the end.
"""

import hashlib
import json
import sys
import urllib.parse
import urllib.request

from gmopg import GMOPG, ResponseError
from gmopg.context import Context

BASE, SHOP_ID, SHOP_PASS, SITE_ID, SITE_PASS, PREFIX = sys.argv[1:7]

Context.API_BASE_URL_DEVELOPMENT = BASE + "/payment/"
gmo = GMOPG(timeout=10, production=False)

checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise AssertionError(what)
    checks += 1


def token(card_no):
    """What token.js does in the browser: card data to the token endpoint, a token back."""
    body = urllib.parse.urlencode(
        {"cardno": card_no, "expire": "202812", "securitycode": "123", "shopid": SHOP_ID}
    ).encode()
    with urllib.request.urlopen(BASE + "/sandbox/tokens", body, timeout=10) as response:
        answer = json.load(response)
    check(answer["resultCode"] == "000", answer)
    return answer["tokenObject"]["token"]


def shop(**fields):
    return dict(ShopID=SHOP_ID, ShopPass=SHOP_PASS, **fields)


def site(**fields):
    return dict(SiteID=SITE_ID, SitePass=SITE_PASS, **fields)


def gmo_error(call, options):
    """The ErrInfo -> message dict of the library's ResponseError."""
    try:
        call(options)
    except ResponseError as error:
        return error.error
    raise AssertionError("no error from %r" % (options,))


# A payment: EntryTran, ExecTran with a token, AlterTran SALES, SearchTrade.
order = PREFIX + "-1"
entry = gmo.tran.entry(shop(OrderID=order, JobCd="AUTH", Amount=1200)).data
check(set(entry) == {"AccessID", "AccessPass"}, entry)
check(len(entry["AccessID"]) == 32 and len(entry["AccessPass"]) == 32, entry)
ids = dict(AccessID=entry["AccessID"], AccessPass=entry["AccessPass"])

executed = gmo.tran.execute(
    dict(ids, OrderID=order, Method=1, Token=token("4111111111111111"))
).data
check(executed["ACS"] == "0" and executed["OrderID"] == order, executed)
check(len(executed["TranID"]) == 28 and len(executed["TranDate"]) == 14, executed)
# The library drops empty values (parse_qs): PayTimes is empty for Method 1.
check("PayTimes" not in executed, executed)
signed = "".join(
    [order, executed["Forward"], executed["Method"], "", executed["Approve"],
     executed["TranID"], executed["TranDate"], SHOP_PASS]
)
check(executed["CheckString"] == hashlib.md5(signed.encode()).hexdigest(), executed)

altered = gmo.tran.alter(shop(JobCd="SALES", Amount=1200, **ids)).data
check(altered["AccessID"] == ids["AccessID"] and altered["AccessPass"] == ids["AccessPass"], altered)
# SALES keeps the authorisation's Approve and TranID, as GMO does.
check((altered["Approve"], altered["TranID"]) == (executed["Approve"], executed["TranID"]), altered)

trade = gmo.trade.search(shop(OrderID=order)).data
check(trade["Status"] == "SALES" and trade["JobCd"] == "SALES", trade)
check(trade["Amount"] == "1200" and trade["AccessID"] == ids["AccessID"], trade)
check(trade["CardNo"] == "************1111" and trade["Expire"] == "2812", trade)

# Errors: a reused OrderID, an issuer decline; the library knows both codes.
errors = gmo_error(gmo.tran.entry, shop(OrderID=order, JobCd="AUTH", Amount=100))
check(errors == {"E01040010": "既にオーダーIDが存在しています。"}, errors)

declined = PREFIX + "-2"
entry = gmo.tran.entry(shop(OrderID=declined, JobCd="AUTH", Amount=300)).data
errors = gmo_error(
    gmo.tran.execute,
    dict(entry, OrderID=declined, Method=1, Token=token("4100000000000407")),
)
check(list(errors) == ["42G020000"], errors)

# Members and stored cards: SaveMember, SaveCard twice, SearchCard, a payment with a stored card.
member = PREFIX + "-member"
saved = gmo.member.save(site(MemberID=member, MemberName="Taro")).data
check(saved == {"MemberID": member}, saved)
first = gmo.card.save(site(MemberID=member, Token=token("4111111111111111"))).data
check(first["CardSeq"] == "0" and first["CardNo"] == "*************111", first)
second = gmo.card.save(site(MemberID=member, Token=token("5555555555554444"))).data
check(second["CardSeq"] == "1" and second["CardNo"] == "*************444", second)
cards = gmo.card.search(site(MemberID=member, SeqMode=0)).parse()
check([c["CardSeq"] for c in cards] == ["0", "1"], cards)
check([c["CardNo"] for c in cards] == ["*************111", "*************444"], cards)
check(all(c["Expire"] == "2812" and c["DeleteFlag"] == "0" for c in cards), cards)

stored = PREFIX + "-3"
entry = gmo.tran.entry(shop(OrderID=stored, JobCd="CAPTURE", Amount=800)).data
executed = gmo.tran.execute(
    dict(entry, OrderID=stored, Method=1, SiteID=SITE_ID, SitePass=SITE_PASS,
         MemberID=member, CardSeq=1)
).data
check(executed["ACS"] == "0" and executed["OrderID"] == stored, executed)
trade = gmo.trade.search(shop(OrderID=stored)).data
check(trade["Status"] == "CAPTURE" and trade["CardNo"] == "************4444", trade)

errors = gmo_error(gmo.member.save, site(MemberID=member))
check(list(errors) == ["E01390010"], errors)

print("ok: %d checks" % checks)
