/** Federation names: <server>__<name> for tools and prompts, <server>+<uri> for resources, reversible. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FederationNames } from '../../../src/mcp/federation.js';

describe('FederationNames', () => {
  const n = new FederationNames(['alpha', 'beta-2'], true);

  it('prefixes tool and prompt names and resolves them back', () => {
    assert.equal(n.show('alpha', 'echo'), 'alpha__echo');
    assert.deepEqual(n.resolve('alpha__echo'), { server: 'alpha', name: 'echo' });
    // Only the first separator splits: a name with "__" of its own survives.
    assert.deepEqual(n.resolve('beta-2__my__tool'), { server: 'beta-2', name: 'my__tool' });
    assert.equal(n.resolve('gamma__echo'), undefined);
    assert.equal(n.resolve('echo'), undefined);
    assert.equal(n.resolve('__echo'), undefined);
    assert.equal(n.resolve('alpha__'), undefined);
  });

  it('rewrites resource URIs in front of the scheme and back', () => {
    for (const uri of ['mem://public/readme', 'git+ssh://host/repo', 'file:///a+b', 'urn:x:y']) {
      const shown = n.showUri('beta-2', uri);
      assert.equal(shown, `beta-2+${uri}`);
      // Still a URI: the scheme gained a "+" part.
      assert.ok(URL.canParse(shown), shown);
      assert.deepEqual(n.resolveUri(shown), { server: 'beta-2', name: uri });
    }
    assert.equal(n.resolveUri('mem://public/readme'), undefined);
    assert.equal(n.resolveUri('gamma+mem://x'), undefined);
  });

  it('one server can go unprefixed; more cannot', () => {
    const one = new FederationNames(['solo'], false);
    assert.equal(one.show('solo', 'echo'), 'echo');
    assert.deepEqual(one.resolve('echo'), { server: 'solo', name: 'echo' });
    assert.deepEqual(one.resolveUri('mem://x'), { server: 'solo', name: 'mem://x' });
    assert.throws(() => new FederationNames(['a', 'b'], false));
  });

  it('valid tool names only', () => {
    assert.ok(FederationNames.validToolName('alpha__echo.v2-x'));
    assert.ok(!FederationNames.validToolName('alpha__has space'));
    assert.ok(!FederationNames.validToolName('a'.repeat(129)));
  });
});
