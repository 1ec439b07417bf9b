/* Does openblas_set_num_threads reach the LAPACK routines LAPACKE calls?
 *
 * Build and run (Debian, libopenblas-dev + liblapacke-dev):
 *   gcc -O2 xtask/probes/lapack_threads.c -o /tmp/lapack_threads -llapacke -lopenblas
 *   /tmp/lapack_threads
 *   LD_DEBUG=bindings /tmp/lapack_threads 2>&1 | grep -E "symbol .(dgetrf_|blas_cpu_number)'"
 *
 * For each routine (n = 1024) it sets 1 then 2 threads and reports the CPU
 * ticks used by the calling thread and by all other threads of the process
 * (from /proc/self/task/<tid>/stat), which does not depend on how loaded the
 * machine is, unlike CPU-time / wall-time ratios. With 1 thread the other
 * threads should use (almost) nothing. See ARCHITECTURE.md ("Threads and
 * Debian's LAPACK") for the result on the reference machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <time.h>
#include <lapacke.h>
void openblas_set_num_threads(int);
/* CPU ticks (utime + stime) of the calling thread and of all other threads. */
static void ticks(long *mainc, long *others){
  *mainc=0;*others=0; DIR*d=opendir("/proc/self/task"); struct dirent*e; int me=getpid();
  while((e=readdir(d))){ if(e->d_name[0]=='.') continue; char p[512]; snprintf(p,sizeof p,"/proc/self/task/%s/stat",e->d_name);
    FILE*f=fopen(p,"r"); if(!f) continue; char buf[1024]; fgets(buf,1024,f); fclose(f);
    char*s=strrchr(buf,')'); long ut=0,st=0; int k=0; char*tok=strtok(s+2," "); 
    while(tok){k++; if(k==12) ut=atol(tok); if(k==13){st=atol(tok);break;} tok=strtok(NULL," ");}
    if(atoi(e->d_name)==me) *mainc+=ut+st; else *others+=ut+st; }
  closedir(d);}
int main(){
  int n=1024; double *a=malloc(8*n*n),*b=malloc(8*n*n),*w=malloc(8*n); lapack_int*ip=malloc(sizeof(lapack_int)*n);
  srand(1); for(int i=0;i<n*n;i++) a[i]=rand()/(double)RAND_MAX;
  const char* ops[]={"getrf","potrf","geqrf","syevd","gesdd"};
  double*u=malloc(8*n*n),*vt=malloc(8*n*n);
  for(int o=0;o<5;o++) for(int t=1;t<=2;t++){
    openblas_set_num_threads(t);
    long m0,o0,m1,o1; ticks(&m0,&o0);
    int reps = o>=3?2:6;
    for(int r=0;r<reps;r++){
      memcpy(b,a,8*n*n);
      if(o==1||o==3){ for(int i=0;i<n;i++) for(int j=0;j<n;j++) b[i*n+j]= (a[i*n+j]+a[j*n+i])*0.5 + (i==j? n:0);}
      if(o==0) LAPACKE_dgetrf(LAPACK_ROW_MAJOR,n,n,b,n,ip);
      if(o==1) LAPACKE_dpotrf(LAPACK_ROW_MAJOR,'L',n,b,n);
      if(o==2) LAPACKE_dgeqrf(LAPACK_ROW_MAJOR,n,n,b,n,w);
      if(o==3) LAPACKE_dsyevd(LAPACK_ROW_MAJOR,'V','L',n,b,n,w);
      if(o==4) LAPACKE_dgesdd(LAPACK_ROW_MAJOR,'S',n,n,b,n,w,u,n,vt,n);
    }
    ticks(&m1,&o1);
    printf("%s n=%d set_num_threads(%d): CPU ticks main thread %ld, other threads %ld (share off main %.0f%%)\n",ops[o],n,t,m1-m0,o1-o0,100.0*(o1-o0)/(double)(m1-m0+o1-o0));
  }
}
