// The tool's version, printed in reports, SARIF and reply mails.
export const VERSION = '0.1.0';
