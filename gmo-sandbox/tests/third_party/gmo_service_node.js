// npm `@motionpicture/gmo-service` 5.3.0 (gmopg/sdk-nodejs), unchanged, against a GMO sandbox.
// It posts multipart/form-data bodies (the `form-data` package) and reads ExecTran's 3-D Secure
// answer by splitting on the expected field names, so the unescaped RedirectUrl survives.
//
//   node gmo_service_node.js BASE_URL SHOP_ID SHOP_PASS SITE_ID SITE_PASS ORDER_PREFIX
//
// The library takes its host as the `endpoint` option. Tokens come from the sandbox's token
// endpoint over plain HTTP, as token.js would fetch them. Exits non-zero on the first surprise;
// prints "ok: N checks" at the end.
'use strict';

const crypto = require('crypto');
const GMO = require('@motionpicture/gmo-service');

const [BASE, SHOP_ID, SHOP_PASS, SITE_ID, SITE_PASS, PREFIX] = process.argv.slice(2);
const credit = new GMO.service.Credit({ endpoint: BASE });
const card = new GMO.service.Card({ endpoint: BASE });
const shop = { shopId: SHOP_ID, shopPass: SHOP_PASS };
const site = { siteId: SITE_ID, sitePass: SITE_PASS };

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

// The (code, info) pairs of the library's BadRequestError.
async function gmoErrors(call) {
  try {
    await call();
  } catch (error) {
    check(error.name === 'GMOServiceBadRequestError', error.stack);
    return error.errors.map((e) => `${e.code}/${e.info}`).join();
  }
  throw new Error('no error');
}

function checkString(answer, orderId) {
  const signed = [orderId, answer.forward, answer.method, answer.payTimes, answer.approve,
    answer.tranId || answer.tranID, answer.tranDate, SHOP_PASS].join('');
  return crypto.createHash('md5').update(signed).digest('hex');
}

async function main() {
  // A payment: EntryTran, ExecTran with a token, AlterTran SALES, SearchTrade.
  const order = `${PREFIX}-1`;
  const ids = await credit.entryTran({ ...shop, orderId: order, jobCd: 'AUTH', amount: 1200 });
  check(ids.accessId.length === 32 && ids.accessPass.length === 32, ids);
  const executed = await credit.execTran({
    ...ids, orderId: order, method: '1', token: await token('4111111111111111'),
  });
  check(executed.acs === '0' && executed.orderId === order && executed.payTimes === '', executed);
  check(executed.checkString === checkString(executed, order), executed);
  const altered = await credit.alterTran({ ...shop, ...ids, jobCd: 'SALES', amount: 1200 });
  check(altered.accessId === ids.accessId && altered.tranId === executed.tranId, altered);
  const trade = await credit.searchTrade({ ...shop, orderId: order });
  check(trade.status === 'SALES' && trade.amount === '1200' && trade.jobCd === 'SALES', trade);
  check(trade.cardNo === '************1111' && trade.accessId === ids.accessId, trade);

  // Errors: a reused OrderID, an issuer decline.
  const duplicate = await gmoErrors(() =>
    credit.entryTran({ ...shop, orderId: order, jobCd: 'AUTH', amount: 100 }));
  check(duplicate === 'E01/E01040010', duplicate);
  const declined = `${PREFIX}-2`;
  const declinedIds = await credit.entryTran({ ...shop, orderId: declined, jobCd: 'AUTH', amount: 300 });
  const decline = await gmoErrors(async () => credit.execTran({
    ...declinedIds, orderId: declined, method: '1', token: await token('4100000000000407'),
  }));
  check(decline === 'G02/42G020000', decline);

  // Members and stored cards: SaveMember, SaveCard twice, SearchCard, a stored-card payment.
  const member = `${PREFIX}-member`;
  const saved = await card.saveMember({ ...site, memberId: member, memberName: 'Taro' });
  check(saved.memberId === member, saved);
  const first = await card.saveCard({ ...site, memberId: member, token: await token('4111111111111111') });
  check(first.cardSeq === '0' && first.cardNo === '*************111', first);
  const second = await card.saveCard({ ...site, memberId: member, token: await token('5555555555554444') });
  check(second.cardSeq === '1' && second.cardNo === '*************444', second);
  const cards = await card.searchCard({ ...site, memberId: member, seqMode: '0' });
  check(cards.map((c) => `${c.cardSeq}:${c.cardNo}:${c.expire}:${c.deleteFlag}`).join() ===
    '0:*************111:2812:0,1:*************444:2812:0', cards);
  const stored = `${PREFIX}-3`;
  const storedIds = await credit.entryTran({ ...shop, orderId: stored, jobCd: 'CAPTURE', amount: 800 });
  const paid = await credit.execTran({
    ...storedIds, ...site, orderId: stored, method: '1', memberId: member, seqMode: '0', cardSeq: 1,
  });
  check(paid.acs === '0' && paid.orderId === stored, paid);
  const storedTrade = await credit.searchTrade({ ...shop, orderId: stored });
  check(storedTrade.status === 'CAPTURE' && storedTrade.cardNo === '************4444', storedTrade);
  const again = await gmoErrors(() => card.saveMember({ ...site, memberId: member }));
  check(again === 'E01/E01390010', again);

  // 3-D Secure 2.0: ExecTran answers ACS=2 and the RedirectUrl, unescaped; the browser (played
  // here by fetch) comes back with AccessID; SecureTran2 authorises.
  const secure = `${PREFIX}-3ds`;
  const secureIds = await credit.entryTran({
    ...shop, orderId: secure, jobCd: 'AUTH', amount: 500, tdFlag: '2',
  });
  const retUrl = 'https://shop.example/3ds-return';
  const redirect = await credit.execTran3ds({
    ...secureIds, orderId: secure, method: '1', token: await token('4111111111111111'), retUrl,
  });
  check(redirect.acs === '2', redirect);
  const url = new URL(redirect.redirectUrl);
  check(redirect.redirectUrl.startsWith(`${BASE}/`), redirect);
  check(/^[0-9a-f-]{36}$/.test(url.searchParams.get('transId')), redirect);
  check(/^[0-9a-f]{32}$/.test(url.searchParams.get('t')), redirect);
  const acsPage = await (await fetch(redirect.redirectUrl)).text();
  check(acsPage.includes(`action="${retUrl}"`), acsPage);
  check(acsPage.includes(`name="AccessID" value="${secureIds.accessId}"`), acsPage);
  const authorised = await credit.secureTran2(secureIds);
  check(authorised.orderID === secure && authorised.tranID.length === 28, authorised);
  check(authorised.checkString === checkString(authorised, secure), authorised);
  const secureTrade = await credit.searchTrade({ ...shop, orderId: secure });
  check(secureTrade.status === 'AUTH', secureTrade);

  console.log(`ok: ${checks} checks`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
