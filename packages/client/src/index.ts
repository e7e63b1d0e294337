// The public API of @liuhen/client. Node-only helpers (files) are in `@liuhen/client/node`.
export type { BlobSource } from './blob.ts';
export {
  type BundleOptions,
  type ClientOptions,
  LiuhenClient,
  type VerifiedBundle,
  type VerifyBundleOptions,
} from './client.ts';
export {
  CLIENT_ERROR_CODES,
  type ClientErrorCode,
  type ErrorDetails,
  isLiuhenApiError,
  isLiuhenClientError,
  type KnownErrorCode,
  LiuhenApiError,
  LiuhenClientError,
  type LiuhenErrorCode,
  type Refusal,
} from './errors.ts';
export { OperatorKey } from './operator.ts';
export { knownProfiles, profileFor } from './profiles.ts';
export type * from './types.ts';
