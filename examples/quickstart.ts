// The README's library example, kept compiling and running by test/docs/readme.test.ts.
import { callbackApprover, createGuard, type Denial, loadMandate } from "mandate";
import { SqliteAuditLog, SqliteBudgetStore } from "mandate/stores/sqlite";

const bank = { transfer: async (t: { recipient: string; amount: number }) => ({ sent: t.amount }) };
const askTheUser = async (): Promise<boolean> => false;

export async function quickstart(): Promise<Denial | { sent: number }> {
  // readme:start
  const mandate = loadMandate(`
mandate: 1
id: pay-rent-march
subject: user:alice
task: Pay my March rent to my landlord.
ttl: 1h
allow:
    - tool: get_balance
    - tool: send_money
      args:
        recipient: { const: DE89370400440532013000 }
        amount: { exclusiveMinimum: 0, maximum: 1200 }
      budget: { calls: 1, sum: { amount: 1200 } }
ask:
    - tool: schedule_transaction
`);

  const guard = createGuard({
    mandate,
    audit: await SqliteAuditLog.open(".mandate/audit.db"),
    budgets: await SqliteBudgetStore.open(".mandate/audit.db"),
    approver: callbackApprover(askTheUser), // without an approver, `ask` is denied
  });

  // Wrap each tool once; hand the wrapped functions to your agent framework. (`bank` and `askTheUser` are yours.)
  const sendMoney = guard.wrap("send_money", (args: { recipient: string; amount: number }) =>
    bank.transfer(args),
  );

  const result = await sendMoney({ recipient: "GB33BUKB20201555555555", amount: 5000 });
  // → { denied: true, verdict: "deny", delta: [
  //      { kind: "argument", path: "/recipient", message: "`recipient` is `\"GB33…\"`; the mandate grants only …" },
  //      { kind: "argument", path: "/amount", message: "`amount` is 5000, above the granted maximum 1200" } ],
  //    message: "The call to `send_money` was not run: …" }
  // readme:end
  return result;
}
