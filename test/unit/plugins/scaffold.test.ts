import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkDomain,
  checkPluginName,
  PLUGIN_KINDS,
  pluginTemplatesDir,
  renderTemplate,
} from '../../../src/plugins/scaffold.js';

describe('plugin templates', () => {
  it('renders placeholders and refuses one without a value', () => {
    expect(renderTemplate('name: {{name}}, {{name}}@{{domain}}', { name: 'x', domain: 'd.test' })).toBe(
      'name: x, x@d.test',
    );
    expect(() => renderTemplate('{{nope}}', {})).toThrow('template placeholder {{nope}} has no value');
    expect(renderTemplate('${x} {x} {{ spaced }}', {})).toBe('${x} {x} {{ spaced }}');
  });

  it('uses only placeholders the scaffold fills', () => {
    const known = new Set([
      'name',
      'kind',
      'wireName',
      'description',
      'sshdKitRoot',
      'devDependencies',
      'usage',
    ]);
    const dir = pluginTemplatesDir();
    const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = readFileSync(join(f.parentPath, f.name), 'utf8');
      for (const [, key] of text.matchAll(/\{\{([A-Za-z][A-Za-z0-9]*)\}\}/g))
        expect(known.has(key!), `${f.name}: ${key}`).toBe(true);
    }
    for (const kind of PLUGIN_KINDS) {
      expect(readdirSync(join(dir, kind, 'src'))).toContain('index.ts.tmpl');
      expect(readdirSync(join(dir, kind, 'test'))).toContain('plugin.test.ts.tmpl');
    }
  });

  it('checks names and domains', () => {
    expect(checkPluginName('hello-world')).toBe(true);
    expect(checkPluginName('Hello')).toMatch(/lowercase/);
    expect(checkPluginName('sshd-kit')).toMatch(/taken/);
    expect(checkDomain('example.com')).toBe(true);
    expect(checkDomain('-bad.com')).toMatch(/domain name/);
    expect(checkDomain('a..b')).toMatch(/domain name/);
  });
});
