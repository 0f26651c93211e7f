#!/usr/bin/env python3
"""Regenerate samples/<dir>/fix.patch and bug.patch from the pre/ and fix/ trees.

fix.patch turns pre/ into fix/, bug.patch turns fix/ into pre/.  Both are
produced by `git format-patch` in a scratch repository whose tree is the
sample tree with the pre/ or fix/ prefix stripped, so a/ b/ paths are the
project's own (xen/arch/arm/gic.c, ...), `index` lines carry real blob ids
and hunks are exact.  Patch metadata (author, date, subject, message) lives
in samples/tools/patchmeta.py.

usage: samples/tools/mkpatch.py [sample-dir ...]   (default: all samples)
"""
import os, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from patchmeta import META  # noqa: E402


def git(repo, *args, env=None):
    return subprocess.run(['git', '-C', repo, *args], check=True, env=env,
                          capture_output=True, text=True).stdout


def copy_tree(src, dst):
    for name in os.listdir(dst):
        if name != '.git':
            p = os.path.join(dst, name)
            shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)
    for name in os.listdir(src):
        s = os.path.join(src, name)
        d = os.path.join(dst, name)
        shutil.copytree(s, d) if os.path.isdir(s) else shutil.copy2(s, d)


def make(sample, kind):
    meta = META[os.path.basename(sample)][kind]
    base, head = ('pre', 'fix') if kind == 'fix' else ('fix', 'pre')
    repo = tempfile.mkdtemp()
    try:
        env = dict(os.environ,
                   GIT_AUTHOR_NAME=meta['name'], GIT_AUTHOR_EMAIL=meta['email'],
                   GIT_AUTHOR_DATE=meta['date'], GIT_COMMITTER_NAME=meta['name'],
                   GIT_COMMITTER_EMAIL=meta['email'], GIT_COMMITTER_DATE=meta['date'])
        git(repo, 'init', '-q')
        git(repo, 'config', 'core.autocrlf', 'false')
        copy_tree(os.path.join(sample, base), repo)
        git(repo, 'add', '-A')
        git(repo, 'commit', '-q', '-m', 'base', env=env)
        copy_tree(os.path.join(sample, head), repo)
        git(repo, 'add', '-A')
        subprocess.run(['git', '-C', repo, 'commit', '-q', '-F', '-'], check=True,
                       env=env, input=meta['subject'] + '\n\n' + meta['body'].strip() + '\n',
                       text=True)
        out = git(repo, 'format-patch', '-1', '--stdout', '--no-signature',
                  '--thread=shallow', 'HEAD', env=env)
        # format-patch invents a Message-Id only for threads; pin our own so
        # the file is byte-stable across regenerations.
        lines = out.split('\n')
        lines = [l for l in lines if not l.startswith('Message-Id:')]
        for i, l in enumerate(lines):
            if l.startswith('Subject:'):
                lines.insert(i, 'Message-ID: <%s>' % meta['message_id'])
                break
        with open(os.path.join(sample, kind + '.patch'), 'w') as f:
            f.write('\n'.join(lines))
    finally:
        shutil.rmtree(repo)


def main(argv):
    dirs = argv or sorted(os.path.join(SAMPLES, d) for d in os.listdir(SAMPLES)
                          if d[:3].isdigit() and os.path.isdir(os.path.join(SAMPLES, d)))
    for d in dirs:
        d = os.path.abspath(d)
        if os.path.basename(d) not in META:
            print('no patch metadata for', d, file=sys.stderr)
            continue
        for kind in ('fix', 'bug'):
            make(d, kind)
        print('wrote', os.path.relpath(d, SAMPLES) + '/{fix,bug}.patch')


if __name__ == '__main__':
    main(sys.argv[1:])
