// dependency-cruiser: no import cycles, and the folder boundaries of the layout (CONTRIBUTING.md, "Layout"):
// cmd → controllers → pkg, Microsoft Graph only behind pkg/graph, the simulator and test support never in the daemon.
/** Production code: what the daemon and its commands run. The simulator and envtest are test support. */
const production = '^(cmd|controllers|pkg)/';
const testSupport = '^(pkg/m365sim|pkg/envtest|test)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle makes load order matter and means two files hold one idea: merge them or move the shared part down.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'pkg-not-to-controllers-or-cmd',
      comment: 'pkg/ is the library the controllers use; it never reaches up into them or into the commands.',
      severity: 'error',
      from: { path: '^pkg/' },
      to: { path: '^(controllers|cmd)/' },
    },
    {
      name: 'controllers-not-to-cmd',
      comment: 'The commands wire the controllers; the controllers never import a command.',
      severity: 'error',
      from: { path: '^controllers/' },
      to: { path: '^cmd/' },
    },
    {
      name: 'production-not-to-test-support',
      comment: 'The daemon never imports the Microsoft 365 simulator, envtest or tests (cmd/m365sim and cmd/demo start the simulator on purpose).',
      severity: 'error',
      from: { path: production, pathNot: [testSupport, '^cmd/(m365sim|demo)/'] },
      to: { path: testSupport },
    },
    {
      name: 'graph-sdk-only-in-pkg-graph',
      comment: 'Only pkg/graph talks to Entra ID and Microsoft Graph (tokens, URLs, retries, throttling in one place).',
      severity: 'error',
      // test/integration/m365sim proves the simulator against the real SDKs, so it imports them on purpose.
      from: { pathNot: ['^pkg/graph/', '^test/integration/m365sim/'] },
      to: { path: 'node_modules/(@microsoft/microsoft-graph-client|@azure/msal-node)/' },
    },
    {
      name: 'no-client-node-in-the-daemon',
      comment:
        "The daemon never loads @kubernetes/client-node: its KubeConfig pulls in every generated API model (~86 MiB of RSS, more than the daemon's idle budget). pkg/runtime/kubeconfig.ts loads kubeconfigs; type-only imports cost nothing at run time. The kubectl plugin (a short-lived CLI) may use its API clients.",
      severity: 'error',
      from: { path: '^(cmd/controller|controllers|pkg)/', pathNot: '^pkg/envtest/' },
      to: { path: 'node_modules/@kubernetes/client-node/', dependencyTypesNot: ['type-only'] },
    },
    // Controller folders depend downward only: shared ← userlicensemapping ← teamssync ← teamstenant; presencesync ← shared; contactsync ← shared.
    ...[
      ['shared', 'userlicensemapping|teamssync|teamstenant|presencesync|contactsync'],
      ['userlicensemapping', 'teamssync|teamstenant|presencesync|contactsync'],
      ['teamssync', 'teamstenant|presencesync|contactsync'],
      ['teamstenant', 'presencesync|contactsync'],
      ['presencesync', 'userlicensemapping|teamssync|teamstenant|contactsync'],
      ['contactsync', 'userlicensemapping|teamssync|teamstenant|presencesync'],
    ].map(([from, above]) => ({
      name: `controllers-${from}-depends-downward`,
      comment: `controllers/${from} never imports controllers/(${above}): a folder depends only on the folders below it.`,
      severity: 'error',
      from: { path: `^controllers/${from}/` },
      to: { path: `^controllers/(${above})/` },
    })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^\\.tools/' },
    // `import type` is erased at run time but is still a dependency between two files' ideas: count it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
