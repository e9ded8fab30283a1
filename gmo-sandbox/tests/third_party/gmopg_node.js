// npm `gmopg` 6.0.0 (pepabo/gmopg), unchanged, against a GMO sandbox.
//
//   node gmopg_node.js BASE_URL SHOP_ID SHOP_PASS SITE_ID SITE_PASS ORDER_PREFIX
//
// The library takes its host as the `baseUrl` option. Tokens come from the sandbox's token
// endpoint over plain HTTP, as token.js would fetch them. Exits non-zero on the first surprise;
// prints "ok: N checks" at the end.
'use strict';

const crypto = require('crypto');
const { default: GMOPG, ENUMS } = require('gmopg');

const [BASE, SHOP_ID, SHOP_PASS, SITE_ID, SITE_PASS, PREFIX] = process.argv.slice(2);
const gmo = new GMOPG({
  baseUrl: BASE,
  ShopID: SHOP_ID,
  ShopPass: SHOP_PASS,
  SiteID: SITE_ID,
  SitePass: SITE_PASS,
});

let checks = 0;
function check(condition, what) {
  if (!condition) {
    throw new Error(`check failed: ${JSON.stringify(what)}`);
  }
  checks += 1;
}

// What token.js does in the browser: card data to the token endpoint, a token back.
async function token(cardno) {
  const response = await fetch(`${BASE}/sandbox/tokens`, {
    method: 'POST',
    body: new URLSearchParams({ cardno, expire: '202812', securitycode: '123', shopid: SHOP_ID }),
  });
  const answer = await response.json();
  check(answer.resultCode === '000', answer);
  return answer.tokenObject.token;
}

// The ErrInfo codes of the library's BadRequest.
async function gmoError(call) {
  try {
    await call();
  } catch (error) {
    check(error.name === 'BadRequest', error.stack);
    return error;
  }
  throw new Error('no error');
}

async function main() {
  // A payment: EntryTran, ExecTran with a token, AlterTran SALES, SearchTrade.
  const order = `${PREFIX}-1`;
  const entry = await gmo.entryTran({ OrderID: order, JobCd: ENUMS.JobCd.Auth, Amount: 1200 });
  check(Object.keys(entry).join() === 'AccessID,AccessPass', entry);
  const ids = { AccessID: entry.AccessID, AccessPass: entry.AccessPass };

  const executed = await gmo.execTran({
    ...ids,
    OrderID: order,
    Method: ENUMS.Method.Lump,
    Token: await token('4111111111111111'),
  });
  check(
    Object.keys(executed).join() ===
      'ACS,OrderID,Forward,Method,PayTimes,Approve,TranID,TranDate,CheckString',
    executed,
  );
  check(executed.ACS === '0' && executed.OrderID === order && executed.PayTimes === '', executed);
  const signed = [order, executed.Forward, executed.Method, executed.PayTimes, executed.Approve,
    executed.TranID, executed.TranDate, SHOP_PASS].join('');
  check(executed.CheckString === crypto.createHash('md5').update(signed).digest('hex'), executed);

  const altered = await gmo.alterTran({ ...ids, JobCd: ENUMS.JobCd.Sales, Amount: 1200 });
  check(altered.AccessID === ids.AccessID && altered.TranID === executed.TranID, altered);

  const trade = await gmo.searchTrade({ OrderID: order });
  check(trade.Status === ENUMS.Status.Sales && trade.Amount === '1200', trade);
  check(trade.AccessID === ids.AccessID && trade.CardNo === '************1111', trade);

  // Errors: a reused OrderID, an issuer decline; the library knows both codes.
  const duplicate = await gmoError(() =>
    gmo.entryTran({ OrderID: order, JobCd: ENUMS.JobCd.Auth, Amount: 100 }));
  check(duplicate.errInfo.join() === 'E01040010' && duplicate.errors[0], duplicate.errInfo);

  const declined = `${PREFIX}-2`;
  const declinedEntry = await gmo.entryTran({ OrderID: declined, JobCd: 'AUTH', Amount: 300 });
  const decline = await gmoError(async () => gmo.execTran({
    ...declinedEntry,
    OrderID: declined,
    Method: '1',
    Token: await token('4100000000000407'),
  }));
  check(decline.errInfo.join() === '42G020000' && decline.errors[0], decline.errInfo);

  // Members and stored cards: SaveMember, SaveCard twice, SearchCard, a stored-card payment.
  const member = `${PREFIX}-member`;
  const saved = await gmo.saveMember({ MemberID: member, MemberName: 'Taro' });
  check(saved.MemberID === member, saved);
  const first = await gmo.saveCard({ MemberID: member, Token: await token('4111111111111111') });
  check(first.CardSeq === '0' && first.CardNo === '*************111', first);
  const second = await gmo.saveCard({ MemberID: member, Token: await token('5555555555554444') });
  check(second.CardSeq === '1' && second.CardNo === '*************444', second);
  const cards = await gmo.searchCard({ MemberID: member, SeqMode: ENUMS.SeqMode.Logic });
  check(cards.map((c) => c.CardSeq).join() === '0,1', cards);
  check(cards.map((c) => c.CardNo).join() === '*************111,*************444', cards);
  check(cards.every((c) => c.Expire === '2812' && c.DeleteFlag === '0' && c.HolderName === ''),
    cards);

  const stored = `${PREFIX}-3`;
  const storedEntry = await gmo.entryTran({ OrderID: stored, JobCd: 'CAPTURE', Amount: 800 });
  const paid = await gmo.execTran({
    ...storedEntry,
    OrderID: stored,
    Method: '1',
    SiteID: SITE_ID,
    SitePass: SITE_PASS,
    MemberID: member,
    CardSeq: '1',
  });
  check(paid.ACS === '0' && paid.OrderID === stored, paid);
  const storedTrade = await gmo.searchTrade({ OrderID: stored });
  check(storedTrade.Status === 'CAPTURE' && storedTrade.CardNo === '************4444', storedTrade);

  const again = await gmoError(() => gmo.saveMember({ MemberID: member }));
  check(again.errInfo.join() === 'E01390010', again.errInfo);

  console.log(`ok: ${checks} checks`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
