// Attachments: uploading a file to a conversation (with progress), and
// fetching a file or its thumbnail. The server wants the Bearer token on
// every attachment request, so an <img src="/api/…"> cannot be used: the
// bytes are fetched with the token and shown from a blob: URL (the CSP
// allows blob: for img-src and media-src only). Blob URLs are kept per
// attachment, so a redrawn bubble does not fetch again.

import { ApiError, loadSession } from "./api.js";

/** Upload errors in words a person can act on. */
const UPLOAD_ERRORS = {
  too_large: "This file is too large to send. Please choose a smaller one.",
  quota_exceeded: "You have used all the space for files. Delete some photos or files you sent, then try again.",
  offline: "You are offline. Please send the file when you are connected again.",
  conversation_ended: "This chat has ended, so the file was not sent.",
  forbidden: "This person is not taking messages from you.",
  invalid: "This file could not be sent. It may be empty.",
};

/** A friendly sentence for an upload that failed. */
export const uploadError = (error) => UPLOAD_ERRORS[error?.code] ?? "The file could not be sent. Please try again.";

/** "12 KB", "1.4 MB". */
export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Which message type fits an uploaded attachment. */
export const typeFor = (attachment) => (attachment.mime.startsWith("image/") ? "image" : "file");

/**
 * Uploads `file` (a File or Blob, named `name`) to conversation `cid`.
 * `onProgress(fraction)` follows the upload. Resolves with the server's
 * `{id, name, mime, size, thumbnail}`, or throws an ApiError whose `code`
 * is the server's (`too_large`, `quota_exceeded`, …) or `offline`.
 */
export function upload(cid, file, name, onProgress = () => {}) {
  return new Promise((resolve, reject) => {
    if (!navigator.onLine) return reject(new ApiError(0, "offline", UPLOAD_ERRORS.offline));
    const form = new FormData();
    form.append("file", file, name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/conversations/${encodeURIComponent(cid)}/attachments`);
    const token = loadSession()?.token;
    if (token) xhr.setRequestHeader("authorization", `Bearer ${token}`);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(0, "offline", UPLOAD_ERRORS.offline));
    xhr.onload = () => {
      let data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: handled below
      }
      if (xhr.status === 201 && data?.id) return resolve(data);
      const error = data?.error ?? {};
      const code = error.code ?? (xhr.status === 413 ? "too_large" : "internal");
      reject(new ApiError(xhr.status, code, UPLOAD_ERRORS[code] ?? error.message ?? "Something went wrong."));
    };
    xhr.send(form);
  });
}

/** The bytes of an attachment (or its thumbnail), fetched with the token. */
export async function fetchBlob(id, thumbnail = false) {
  const token = loadSession()?.token;
  let response;
  try {
    response = await fetch(`/api/attachments/${encodeURIComponent(id)}${thumbnail ? "/thumbnail" : ""}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  } catch {
    throw new ApiError(0, "offline", "We could not reach Helpline. Please check your connection.");
  }
  if (!response.ok) throw new ApiError(response.status, response.status === 404 ? "not_found" : "internal", "This file is no longer available.");
  return response.blob();
}

const urls = new Map(); // `${id}:${thumbnail}` → Promise<blob: URL>
const KEEP = 200;

/** A blob: URL for an attachment (or its thumbnail), fetched once. */
export function objectUrl(id, thumbnail = false) {
  const key = `${id}:${thumbnail}`;
  let url = urls.get(key);
  if (!url) {
    url = fetchBlob(id, thumbnail).then((blob) => URL.createObjectURL(blob));
    url.catch(() => urls.delete(key));
    urls.set(key, url);
    if (urls.size > KEEP) {
      const [oldest, value] = urls.entries().next().value;
      urls.delete(oldest);
      value.then((u) => URL.revokeObjectURL(u), () => {});
    }
  }
  return url;
}

/** Saves an attachment on the device under its own name. */
export async function download(attachment) {
  const blob = await fetchBlob(attachment.id);
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = attachment.name || "file";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return blob;
}

/** Forgets every fetched file (on sign-out, so the next person on this
 *  device keeps nothing of the last one's in memory). */
export function forgetAttachments() {
  for (const url of urls.values()) url.then((u) => URL.revokeObjectURL(u), () => {});
  urls.clear();
}

/** A word for what an attachment message carries (list previews, labels). */
export function attachmentLabel(m) {
  if (!m.attachment) return null;
  if (m.type === "voice") return "Voice message";
  if (m.type === "image") return `Photo: ${m.attachment.name}`;
  return `File: ${m.attachment.name}`;
}
