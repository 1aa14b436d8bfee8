import { describe, expect, it } from 'vitest';
import { matchesIamPrincipal, parseIamPrincipal } from '#lib/domain/iam-principal.ts';

const ROLE = 'arn:aws:iam::123456789012:role/rotator-ci';
const ROLE_WITH_PATH = 'arn:aws:iam::123456789012:role/platform/automation/rotator-ci';
const USER = 'arn:aws:iam::123456789012:user/ops/alice';
const CHINA_ROLE = 'arn:aws-cn:iam::123456789012:role/rotator-ci';

const matches = (configured: string, caller: string) => {
  const principal = parseIamPrincipal(configured);
  if (principal === undefined) throw new Error(`not a principal: ${configured}`);
  return matchesIamPrincipal(caller, principal);
};

describe('IAM principal matching', () => {
  it.each([
    // A role admits its sessions, whatever the session name.
    [ROLE, 'arn:aws:sts::123456789012:assumed-role/rotator-ci/i-0abc123', true],
    [ROLE, 'arn:aws:sts::123456789012:assumed-role/rotator-ci/botocore-session-1700000000', true],
    [ROLE, 'arn:aws:sts::123456789012:assumed-role/rotator-ci/alice@example.com', true],
    // A role with a path: sessions name the role without its path.
    [ROLE_WITH_PATH, 'arn:aws:sts::123456789012:assumed-role/rotator-ci/github-actions', true],
    [CHINA_ROLE, 'arn:aws-cn:sts::123456789012:assumed-role/rotator-ci/ci-session', true],
    // Look-alike names, prefixes and suffixes.
    [ROLE, 'arn:aws:sts::123456789012:assumed-role/rotator-ci-evil/ci-session', false],
    [ROLE, 'arn:aws:sts::123456789012:assumed-role/evil-rotator-ci/ci-session', false],
    [ROLE, 'arn:aws:sts::123456789012:assumed-role/rotator-c/ci-session', false],
    [ROLE, 'arn:aws:sts::123456789012:assumed-role/Rotator-CI/ci-session', false],
    // Other accounts and partitions.
    [ROLE, 'arn:aws:sts::210987654321:assumed-role/rotator-ci/ci-session', false],
    [ROLE, 'arn:aws:sts::1234567890123:assumed-role/rotator-ci/ci-session', false],
    [ROLE, 'arn:aws-cn:sts::123456789012:assumed-role/rotator-ci/ci-session', false],
    // The role's own ARN, users, and other principal types do not stand for its sessions.
    [ROLE, ROLE, false],
    [ROLE, 'arn:aws:iam::123456789012:user/rotator-ci', false],
    [ROLE, 'arn:aws:sts::123456789012:federated-user/rotator-ci', false],
    // Malformed caller ARNs.
    [ROLE, 'arn:aws:sts::123456789012:assumed-role/rotator-ci', false],
    [ROLE, 'arn:aws:sts::123456789012:assumed-role/rotator-ci/', false],
    [ROLE, 'arn:aws:sts::123456789012:assumed-role/rotator-ci/ci-session/extra', false],
    [ROLE, ' arn:aws:sts::123456789012:assumed-role/rotator-ci/ci-session', false],
    [ROLE, 'arn:aws:sts::123456789012:assumed-role/rotator-ci/ci-session\n', false],
    [ROLE, '', false],
    // A user matches exactly, path included.
    [USER, USER, true],
    [USER, 'arn:aws:iam::123456789012:user/alice', false],
    [USER, 'arn:aws:iam::123456789012:user/ops/alice2', false],
    [USER, 'arn:aws:iam::123456789012:user/ops/alice/x', false],
    [USER, 'arn:aws:iam::210987654321:user/ops/alice', false],
    [USER, 'arn:aws:sts::123456789012:assumed-role/alice/ci-session', false],
  ])('configured %s, caller %s: %s', (configured, caller, expected) => {
    expect(matches(configured, caller)).toBe(expected);
  });

  it.each([
    'arn:aws:iam::123456789012:root',
    'arn:aws:iam::123456789012:role/*',
    'arn:aws:iam::123456789012:role/rotator-*',
    'arn:aws:iam::*:role/rotator-ci',
    'arn:aws:sts::123456789012:assumed-role/rotator-ci/ci-session',
    'arn:aws:iam::123456789012:role/a/',
    'arn:aws:iam::123456789012:policy/rotator-ci',
  ])('does not accept %s as a configured principal (no wildcards, no sessions)', (arn) => {
    expect(parseIamPrincipal(arn)).toBeUndefined();
  });
});
