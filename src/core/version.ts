/** The lab's version (package.json's; a test keeps them equal), written into exports and bundles. */
export const LAB_VERSION = '0.1.0';
