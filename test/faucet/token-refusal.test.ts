// A refused ERC-20 transfer is classified with its own gas limit: a key that could pay a 21000-gas
// transfer but not the token transfer's gas is short of funds (503), not a node refusal (502).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refusal } from '../../src/faucet/send-outcome.js';

test('refusal facts use the transfer\'s own gas', () => {
  const fees = { maxFeePerGas: 10n, maxPriorityFeePerGas: 1n };
  const facts = { pendingNonce: 0, balance: 500_000n, chainId: 96369, known: [false] };
  assert.equal(refusal(false, facts, { value: 0n, fees, chainId: 96369 }, new Error('no')).reason, 'node', '21000 x 10 fits the balance');
  assert.equal(refusal(false, facts, { value: 0n, fees, chainId: 96369, gas: 90_000n }, new Error('no')).reason, 'funds', '90000 x 10 does not');
});
